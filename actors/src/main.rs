//! `traderd`: the trading daemon. The runtime (actors, journal, control plane) arrives with the
//! Runtime issue; for now the binary only reports its version.

fn main() {
    println!("traderd {}", env!("CARGO_PKG_VERSION"));
}
