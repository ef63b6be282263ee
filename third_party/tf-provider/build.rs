// Patched for opsdeck (see PATCHES.md): the protos are parsed by `protox`, a pure-Rust protobuf
// compiler that bundles the well-known types (`google/protobuf/empty.proto`, ...), so the build
// needs neither `protoc` nor `libprotobuf-dev`; `PROTOC` and `PROTOC_INCLUDE` are ignored.
use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const PROTOS: [&str; 2] = ["proto/plugin.proto", "proto/tfplugin6.5.proto"];
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    // Not read here; declared so that a build with another PROTOC really runs this script
    // again (xtask/tests/protoc_free_build.rs proves the build needs neither).
    println!("cargo:rerun-if-env-changed=PROTOC");
    println!("cargo:rerun-if-env-changed=PROTOC_INCLUDE");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let descriptor_path = out_dir.join("tf_provider_descriptors.bin");
    std::fs::write(&descriptor_path, descriptors.encode_to_vec())?;
    tonic_build::configure()
        .build_client(false)
        .file_descriptor_set_path(&descriptor_path)
        .skip_protoc_run()
        .compile_protos(&PROTOS, &["proto"])?;
    Ok(())
}
