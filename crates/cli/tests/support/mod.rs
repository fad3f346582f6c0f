//! What the binary's tests share: the store flags of a test store, and a
//! `quarterdeck serve` child on a random port.

#![allow(dead_code)]

use quarterdeck_store::StoreTarget;
use quarterdeck_store::testing::TestStore;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `--data-dir DIR` or `--database-url URL` for the store under test.
pub fn store_flags(target: &StoreTarget) -> Vec<String> {
    match target {
        StoreTarget::DataDir(d) => vec!["--data-dir".into(), d.display().to_string()],
        StoreTarget::Url(u) => vec!["--database-url".into(), u.clone()],
    }
}

/// `quarterdeck serve` on 127.0.0.1:0 over `t`, and the URL it prints first.
pub fn serve_child(t: &TestStore) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(store_flags(&t.target))
        .env_remove("QUARTERDECK_DATA_DIR")
        .env_remove("QUARTERDECK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (child, url)
}
