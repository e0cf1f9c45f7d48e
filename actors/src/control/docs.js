
'use strict';
// Renders the OpenAPI document with DOM calls only: text from the document never becomes markup.
(function () {
  const DOC_URL = '/api/v1/openapi.json';
  const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  const SCHEMA_PREFIX = '#/components/schemas/';
  let spec = null;
  let token = null;

  const byId = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const anchor = (text) => String(text).replace(/[^A-Za-z0-9_-]+/g, '-');

  // Inline Markdown: `code` only.
  function inline(text) {
    return String(text).split('`').map((part, i) => (i % 2 === 1 ? el('code', null, part) : part));
  }

  // Block Markdown: paragraphs and `- ` lists; a line that does not start a bullet continues the last block.
  function markdown(text) {
    const root = el('div', { class: 'desc' });
    if (!text) return root;
    for (const block of String(text).split(/\n\s*\n/)) {
      let list = null;
      let last = null;
      for (const line of block.split('\n')) {
        const trimmed = line.trim();
        if (!trimmed) continue;
        if (trimmed.startsWith('- ')) {
          if (!list) list = root.appendChild(el('ul'));
          last = list.appendChild(el('li', null, inline(trimmed.slice(2))));
        } else if (last) {
          last.append(' ', ...inline(trimmed));
        } else {
          last = root.appendChild(el('p', null, inline(trimmed)));
        }
      }
    }
    return root;
  }

  function refName(ref) {
    return ref.startsWith(SCHEMA_PREFIX) ? decodeURIComponent(ref.slice(SCHEMA_PREFIX.length)) : ref;
  }

  function resolve(schema) {
    if (schema && schema.$ref) {
      const schemas = (spec.components && spec.components.schemas) || {};
      return schemas[refName(schema.$ref)] || {};
    }
    return schema || {};
  }

  const isNull = (schema) => schema && schema.type === 'null';

  // A one-line description of a schema's type, e.g. `Price | null`, `array of OrderView`.
  function typeLabel(schema) {
    if (!schema || Object.keys(schema).length === 0) return 'any';
    if (schema.$ref) return refName(schema.$ref);
    const variants = schema.oneOf || schema.anyOf;
    if (variants) {
      const others = variants.filter((v) => !isNull(v));
      const nullable = others.length < variants.length ? ' | null' : '';
      if (others.length === 1) return typeLabel(others[0]) + nullable;
      return 'one of ' + others.map(typeLabel).join(', ') + nullable;
    }
    if (schema.allOf) return schema.allOf.map(typeLabel).join(' & ');
    if ('const' in schema) return JSON.stringify(schema.const);
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    const nullable = types.includes('null') ? ' | null' : '';
    const labels = types.filter((t) => t !== 'null').map((t) => {
      if (t === 'array') return 'array of ' + typeLabel(schema.items);
      if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object'
        && !schema.properties) {
        return 'map of string to ' + typeLabel(schema.additionalProperties);
      }
      return schema.format ? t + ' (' + schema.format + ')' : t;
    });
    if (labels.length === 0) return schema.properties ? 'object' + nullable : 'any' + nullable;
    return labels.join(' | ') + nullable;
  }

  function typeNode(schema) {
    const label = typeLabel(schema);
    const target = schema && schema.$ref ? refName(schema.$ref)
      : schema && schema.items && schema.items.$ref ? refName(schema.items.$ref) : null;
    if (target) return el('a', { class: 'type', href: '#schema-' + anchor(target) }, label);
    return el('span', { class: 'type' }, label);
  }

  // Constraints and values worth a reader's eye: enum values, bounds, defaults, examples.
  function facts(schema) {
    const own = essential(schema);
    const out = [];
    const values = (list) => list.map((v) => el('code', null, JSON.stringify(v)));
    if (own.enum) out.push(el('span', { class: 'enum' }, 'one of: ', values(own.enum)));
    const items = own.items ? essential(own.items) : {};
    if (items.enum) out.push(el('span', { class: 'enum' }, 'each one of: ', values(items.enum)));
    const bounds = [['minimum', '≥ '], ['maximum', '≤ '], ['minLength', 'min length '], ['maxLength', 'max length '],
      ['minItems', 'min items '], ['maxItems', 'max items '], ['pattern', 'pattern '], ['default', 'default ']];
    for (const [key, prefix] of bounds) {
      if (own[key] !== undefined) out.push(el('span', null, prefix, el('code', null, JSON.stringify(own[key]))));
    }
    if (own.additionalProperties === false) out.push(el('span', { class: 'muted' }, 'no other fields'));
    const example = own.example !== undefined ? own.example : own.examples && own.examples[0];
    if (example !== undefined && typeof example !== 'object') {
      out.push(el('span', null, 'e.g. ', el('code', null, JSON.stringify(example))));
    }
    return out.length ? el('div', { class: 'muted' }, out.map((n, i) => (i ? [' · ', n] : n))) : null;
  }

  // The schema whose enum, bounds and example a reader wants: a nullable wrapper's non-null
  // variant, and a $ref to a plain value (Price, Side) resolved.
  function essential(schema) {
    if (!schema) return {};
    let own = nonNull(schema);
    if (own.$ref && !hasStructure(own, 0)) own = Object.assign({}, resolve(own), pick(own));
    return Object.assign({}, own, pick(schema));
  }

  // The one non-null variant of a nullable schema, or the schema itself.
  function nonNull(schema) {
    const variants = schema.oneOf || schema.anyOf;
    if (variants) {
      const others = variants.filter((v) => !isNull(v));
      if (others.length === 1) return others[0];
    }
    return schema;
  }

  // A property's own description (utoipa puts a nullable $ref's description on the variant).
  const ownDescription = (schema) => (schema && (schema.description || nonNull(schema).description)) || null;

  function pick(schema) {
    const out = {};
    for (const key of ['default', 'example', 'examples', 'description']) {
      if (schema[key] !== undefined) out[key] = schema[key];
    }
    return out;
  }

  // Whether a schema has structure worth expanding (fields, variants, items); a $ref to a plain
  // string such as Price has none.
  function hasStructure(schema, depth) {
    if (!schema || depth > 8) return false;
    if (schema.$ref) return hasStructure(resolve(schema), depth + 1);
    const variants = schema.oneOf || schema.anyOf;
    if (variants) {
      const others = variants.filter((v) => !isNull(v));
      return others.length > 1 || others.some((v) => hasStructure(v, depth));
    }
    if (schema.properties || schema.allOf) return true;
    if (schema.items) return hasStructure(schema.items, depth);
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      return hasStructure(schema.additionalProperties, depth);
    }
    return false;
  }

  // A collapsible block that renders its body on first open, so recursive and large schemas stay cheap.
  function lazy(label, open, render) {
    const details = el('details', { class: 'schema-lazy' }, el('summary', null, label));
    let done = false;
    const fill = () => {
      if (details.open && !done) {
        done = true;
        details.append(render());
      }
    };
    details.addEventListener('toggle', fill);
    if (open) {
      details.open = true;
      fill();
    }
    return details;
  }

  function schemaBlock(schema, depth) {
    const box = el('div', { class: 'schema' });
    if (!schema) return box;
    if (schema.$ref) {
      const name = refName(schema.$ref);
      const target = resolve(schema);
      if (!hasStructure(schema, depth)) {
        const about = target.description ? [' — ', inline(target.description)] : null;
        box.append(el('div', null, typeNode(schema), about), facts(target));
        return box;
      }
      box.append(lazy(el('span', null, el('a', { class: 'type', href: '#schema-' + anchor(name) }, name),
        target.description ? [' — ', inline(firstLine(target.description))] : null), depth === 0,
      () => el('div', null, moreLines(target.description), schemaBody(target, depth + 1))));
      return box;
    }
    box.append(schemaBody(schema, depth));
    return box;
  }

  const firstLine = (text) => String(text).split('\n')[0];

  // The description after its first line (the first is shown beside the name), as Markdown.
  function moreLines(text) {
    const rest = text ? String(text).split('\n').slice(1).join('\n').trim() : '';
    return rest ? markdown(rest) : null;
  }

  function schemaBody(schema, depth) {
    const out = el('div');
    const variants = schema.oneOf || schema.anyOf;
    if (variants) {
      const others = variants.filter((v) => !isNull(v));
      if (others.length === 1) {
        out.append(el('div', { class: 'muted' }, 'May be null.'), schemaBlock(others[0], depth));
        return out;
      }
      out.append(el('div', null, schema.oneOf ? 'Exactly one of:' : 'Any of:'));
      const list = out.appendChild(el('ol'));
      for (const variant of others) {
        const about = variant.description ? el('span', { class: 'muted' }, inline(variant.description)) : null;
        list.append(el('li', null, variantTitle(variant), about, schemaBlock(variant, depth)));
      }
      if (others.length < variants.length) out.append(el('div', { class: 'muted' }, 'Or null.'));
      return out;
    }
    if (schema.allOf) {
      out.append(el('div', null, 'All of these, merged:'));
      for (const part of schema.allOf) out.append(schemaBlock(part, depth));
      return out;
    }
    if (schema.properties) {
      out.append(propertiesTable(schema, depth));
      const f = facts({ additionalProperties: schema.additionalProperties });
      if (f) out.append(f);
      return out;
    }
    const type = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (type.includes('array') && schema.items) {
      out.append(el('div', null, 'Items: ', typeNode(schema.items)));
      if (hasStructure(schema.items, depth)) out.append(schemaBlock(schema.items, depth));
      return out;
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      out.append(el('div', null, 'Keys are strings; values: ', typeNode(schema.additionalProperties)));
      if (hasStructure(schema.additionalProperties, depth)) out.append(schemaBlock(schema.additionalProperties, depth));
      return out;
    }
    out.append(el('div', null, typeNode(schema)));
    const f = facts(schema);
    if (f) out.append(f);
    return out;
  }

  // A oneOf variant's name: its $ref, or the value of its discriminating property (`kind`, `status`, …).
  function variantTitle(variant) {
    if (variant.$ref) return null;
    for (const [name, prop] of Object.entries(variant.properties || {})) {
      const values = prop.enum || ('const' in prop ? [prop.const] : null);
      if (values && values.length === 1 && (variant.required || []).includes(name)) {
        return el('span', null, el('code', null, name + ': ' + JSON.stringify(values[0])), ' ');
      }
    }
    return el('span', { class: 'type' }, typeLabel(variant), ' ');
  }

  function propertiesTable(schema, depth) {
    const required = new Set(schema.required || []);
    const rows = Object.entries(schema.properties).map(([name, prop]) => {
      const description = ownDescription(prop);
      const detail = el('td', null, description ? markdown(description) : null, facts(prop));
      if (hasStructure(prop, depth) && depth < 8) {
        detail.append(lazy('Fields of ' + typeLabel(prop), false, () => schemaBody(structureOf(prop), depth + 1)));
      }
      return el('tr', null,
        el('td', null, el('code', null, name), required.has(name) ? el('span', { class: 'req' }, 'required') : null),
        el('td', null, typeNode(prop)),
        detail);
    });
    return el('table', null, el('thead', null, el('tr', null, el('th', null, 'Field'), el('th', null, 'Type'),
      el('th', null, 'Description'))), el('tbody', null, rows));
  }

  // What to show when a property is expanded: the referenced schema, or the property itself.
  function structureOf(prop) {
    if (prop.$ref) return resolve(prop);
    const variants = prop.oneOf || prop.anyOf;
    if (variants) {
      const others = variants.filter((v) => !isNull(v));
      if (others.length === 1) return structureOf(others[0]);
    }
    if (prop.items && prop.items.$ref) return resolve(prop.items);
    return prop;
  }

  function contentBlock(content) {
    const out = [];
    for (const [type, media] of Object.entries(content || {})) {
      out.push(el('div', { class: 'ctype' }, type));
      if (media.schema) out.push(schemaBlock(media.schema, 0));
      const example = media.example !== undefined ? media.example
        : media.examples ? Object.values(media.examples).map((e) => e.value)[0] : undefined;
      if (example !== undefined) out.push(el('div', null, 'Example:'), el('pre', null, JSON.stringify(example, null, 2)));
    }
    return out;
  }

  function parametersTable(parameters) {
    const rows = parameters.map((p) => el('tr', null,
      el('td', null, el('code', null, p.name), p.required ? el('span', { class: 'req' }, 'required') : null),
      el('td', null, p.in),
      el('td', null, typeNode(p.schema)),
      el('td', null, p.description ? markdown(p.description) : null, facts(p.schema),
        p.example !== undefined ? el('div', { class: 'muted' }, 'e.g. ',
          el('code', null, typeof p.example === 'string' ? p.example : JSON.stringify(p.example))) : null)));
    return el('table', null, el('thead', null, el('tr', null, el('th', null, 'Name'), el('th', null, 'In'),
      el('th', null, 'Type'), el('th', null, 'Description'))), el('tbody', null, rows));
  }

  function statusClass(status) {
    return 'status s' + String(status).charAt(0);
  }

  function operationBody(entry) {
    const { op, parameters } = entry;
    const body = el('div', { class: 'op-body' });
    if (op.description) body.append(markdown(op.description));
    if (op.operationId) body.append(el('div', { class: 'opid' }, 'operationId: ', el('code', null, op.operationId)));
    if (parameters.length) body.append(el('h4', null, 'Parameters'), parametersTable(parameters));
    if (op.requestBody) {
      body.append(el('h4', null, 'Request body', op.requestBody.required ? el('span', { class: 'req' }, 'required') : null));
      if (op.requestBody.description) body.append(markdown(op.requestBody.description));
      body.append(...contentBlock(op.requestBody.content));
    }
    body.append(el('h4', null, 'Responses'));
    for (const [status, response] of Object.entries(op.responses || {})) {
      const row = el('div', { class: 'response' },
        el('div', null, el('span', { class: statusClass(status) }, status), ' ', inline(response.description || '')));
      for (const [name, header] of Object.entries(response.headers || {})) {
        const about = header.description ? [': ', inline(header.description)] : null;
        row.append(el('div', { class: 'muted' }, 'Header ', el('code', null, name), about));
      }
      row.append(...contentBlock(response.content));
      body.append(row);
    }
    return body;
  }

  function collectOperations() {
    const entries = [];
    for (const [path, item] of Object.entries(spec.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        // Operation parameters override path-level ones with the same name and location.
        const own = op.parameters || [];
        const shared = (item.parameters || []).filter((p) => !own.some((o) => o.name === p.name && o.in === p.in));
        entries.push({
          path, method, op, parameters: shared.concat(own),
          tag: (op.tags && op.tags[0]) || 'other',
          id: 'op-' + anchor(op.operationId || method + path),
        });
      }
    }
    return entries;
  }

  function render() {
    document.title = (spec.info && spec.info.title) || 'API';
    byId('title').textContent = document.title;
    byId('version').textContent = 'Version ' + ((spec.info && spec.info.version) || '?') + ' · OpenAPI ' + spec.openapi;
    byId('intro').replaceChildren(markdown(spec.info && spec.info.description));

    const entries = collectOperations();
    const tagOrder = (spec.tags || []).map((t) => t.name);
    for (const e of entries) if (!tagOrder.includes(e.tag)) tagOrder.push(e.tag);
    const tagInfo = Object.fromEntries((spec.tags || []).map((t) => [t.name, t]));

    const nav = byId('nav-list');
    const content = byId('content');
    nav.replaceChildren();
    content.replaceChildren();
    for (const tag of tagOrder) {
      const ops = entries.filter((e) => e.tag === tag);
      if (!ops.length) continue;
      const navTag = nav.appendChild(el('li', { class: 'tag' }, tag));
      const section = content.appendChild(el('section', { class: 'tag', id: 'tag-' + anchor(tag) }, el('h2', null, tag)));
      if (tagInfo[tag] && tagInfo[tag].description) section.append(el('p', null, inline(tagInfo[tag].description)));
      const navItems = [];
      for (const entry of ops) {
        const badge = () => el('span', { class: 'method ' + entry.method }, entry.method);
        const link = el('a', { href: '#' + entry.id }, badge(), el('span', { class: 'path' }, entry.path));
        const navItem = nav.appendChild(el('li', null, link));
        const details = section.appendChild(el('details', { class: 'op', id: entry.id },
          el('summary', null, badge(), el('span', { class: 'path' }, entry.path),
            entry.op.summary ? el('span', { class: 'summary' }, entry.op.summary) : null)));
        let filled = false;
        details.addEventListener('toggle', () => {
          if (details.open && !filled) {
            filled = true;
            details.append(operationBody(entry));
          }
        });
        const haystack = (entry.method + ' ' + entry.path + ' ' + (entry.op.summary || '') + ' ' + tag).toLowerCase();
        navItems.push({ navItem, details, haystack });
      }
      filters.push({ navTag, section, items: navItems });
    }

    const schemas = (spec.components && spec.components.schemas) || {};
    const names = Object.keys(schemas).sort();
    if (names.length) {
      const section = content.appendChild(el('section', { class: 'tag', id: 'schemas' }, el('h2', null, 'Schemas')));
      for (const name of names) {
        const schema = schemas[name];
        const about = schema.description ? el('span', { class: 'muted' }, ' — ', inline(firstLine(schema.description))) : null;
        const block = lazy(el('span', null, name, about),
          false, () => el('div', { class: 'schema' }, moreLines(schema.description), schemaBody(schema, 0)));
        block.id = 'schema-' + anchor(name);
        section.append(block);
      }
    }
    byId('message').hidden = true;
    byId('layout').hidden = false;
    openTarget();
  }

  const filters = [];

  function applyFilter() {
    const query = byId('filter').value.trim().toLowerCase();
    for (const group of filters) {
      let visible = 0;
      for (const item of group.items) {
        const show = !query || item.haystack.includes(query);
        item.navItem.classList.toggle('hidden', !show);
        item.details.classList.toggle('hidden', !show);
        if (show) visible += 1;
      }
      group.navTag.classList.toggle('hidden', visible === 0);
      group.section.classList.toggle('hidden', visible === 0);
    }
  }

  // Opens the operation or schema the URL's fragment names (links, reloads, back and forward).
  function openTarget() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && byId(id);
    if (target && target.tagName === 'DETAILS') {
      target.open = true;
      target.scrollIntoView();
    }
  }

  function fail(text) {
    const message = byId('message');
    message.textContent = text;
    message.className = 'error';
    message.hidden = false;
  }

  async function load() {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    let response;
    try {
      response = await fetch(DOC_URL, { headers, cache: 'no-store', credentials: 'same-origin' });
    } catch (error) {
      fail('Could not reach the server: ' + error.message);
      return;
    }
    if (response.status === 401 || response.status === 403) {
      byId('token-form').hidden = false;
      fail(token ? 'The server refused this token (' + response.status + ').' : 'The server asks for an access token.');
      return;
    }
    if (!response.ok) {
      fail('The server answered ' + response.status + ' for ' + DOC_URL + '.');
      return;
    }
    try {
      spec = await response.json();
    } catch (error) {
      fail('The document is not valid JSON: ' + error.message);
      return;
    }
    byId('token-form').hidden = true;
    filters.length = 0;
    try {
      render();
    } catch (error) {
      fail('The document could not be rendered: ' + error.message);
    }
  }

  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = byId('token').value.trim() || null;
    load();
  });
  byId('filter').addEventListener('input', applyFilter);
  window.addEventListener('hashchange', openTarget);
  load();
})();
