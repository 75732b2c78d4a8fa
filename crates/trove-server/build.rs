//! The web UI is built by `npm --prefix ui run build` into `ui/dist`, which `rust-embed`
//! compiles into the binary. A checkout where it was never built still compiles (the folder is
//! created empty) and the server then answers `/` with a page saying how to build the UI.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist");
    if !dist.exists() {
        std::fs::create_dir_all(&dist).expect("cannot create ui/dist");
    }
    println!("cargo:rerun-if-changed=../../ui/dist");
}
