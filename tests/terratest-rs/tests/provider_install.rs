//! The provider installs from the mirror we build: as a filesystem mirror and as a
//! network mirror over HTTPS; the lock file records the hash we computed.

mod common;

use terratest::cli_config::opsdeck_pattern;
use terratest::{CliConfig, Options, StaticHttpsServer, Terraform};

fn lock_file(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join(".terraform.lock.hcl"))
        .expect("terraform init writes a lock file")
}

#[test]
fn installs_from_the_filesystem_mirror_with_our_hash() {
    let copy = common::fixture("install");
    let scratch = tempfile::tempdir().unwrap();
    let cli = CliConfig::new()
        .filesystem_mirror(common::mirror_dir(), [opsdeck_pattern()])
        .direct(false)
        .write(&scratch.path().join("rc"))
        .unwrap();
    let tf = Terraform::new(Options::new(&copy.path).cli_config(cli));
    let out = tf.init();
    assert!(
        out.stdout
            .contains("Installed registry.opsdeck.internal/opsdeck/opsdeck v0.1.0"),
        "{}",
        out.stdout
    );
    let lock = lock_file(&copy.path);
    assert!(
        lock.contains(&common::mirror_h1()),
        "lock file lacks our h1 hash {}:\n{lock}",
        common::mirror_h1()
    );
}

#[test]
fn installs_from_a_network_mirror_over_https() {
    let copy = common::fixture("install");
    let server = StaticHttpsServer::serve(&common::mirror_dir()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cli = CliConfig::new()
        .network_mirror(server.url(), [opsdeck_pattern()])
        .direct(false)
        .write(&scratch.path().join("rc"))
        .unwrap();
    let tf = Terraform::new(
        Options::new(&copy.path)
            .cli_config(cli)
            .env("SSL_CERT_FILE", server.ca_file().display().to_string()),
    );
    let out = tf.init();
    assert!(
        out.stdout
            .contains("Installed registry.opsdeck.internal/opsdeck/opsdeck v0.1.0"),
        "{}",
        out.stdout
    );
    let served: Vec<String> = server
        .served()
        .into_iter()
        .filter(|(_, s)| *s == 200)
        .map(|(p, _)| p)
        .collect();
    let base = "/registry.opsdeck.internal/opsdeck/opsdeck";
    for path in [
        format!("{base}/index.json"),
        format!("{base}/0.1.0.json"),
        format!("{base}/terraform-provider-opsdeck_0.1.0_linux_amd64.zip"),
    ] {
        assert!(
            served.contains(&path),
            "{path} was not fetched; served: {served:?}"
        );
    }
    assert!(lock_file(&copy.path).contains(&common::mirror_h1()));
}

#[test]
fn a_network_mirror_with_an_untrusted_certificate_is_refused() {
    let copy = common::fixture("install");
    let server = StaticHttpsServer::serve(&common::mirror_dir()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let cli = CliConfig::new()
        .network_mirror(server.url(), [opsdeck_pattern()])
        .direct(false)
        .write(&scratch.path().join("rc"))
        .unwrap();
    // The system CA bundle does not know our throw-away CA.
    let tf = Terraform::new(Options::new(&copy.path).cli_config(cli));
    let err = tf.try_init().unwrap_err();
    assert!(err.output().contains("certificate"), "{}", err.output());
}
