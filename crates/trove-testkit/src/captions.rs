//! Caption files in the Karpathy layout (`{"images": [{"filename", "split", "sentences":
//! [{"raw"}]}]}`), as the synthetic renders and `trove eval` use them.

use std::path::Path;

/// (file name, first caption) of every image of a caption file, in the file's order.
pub fn karpathy(file: impl AsRef<Path>) -> Vec<(String, String)> {
    let file = file.as_ref();
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    json["images"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no images list", file.display()))
        .iter()
        .map(|i| {
            (
                i["filename"].as_str().expect("a file name").to_string(),
                i["sentences"][0]["raw"]
                    .as_str()
                    .expect("a caption")
                    .to_string(),
            )
        })
        .collect()
}

/// The held-out synthetic renders and their captions (`tests/fixtures/synthetic`).
pub fn synthetic() -> Vec<(String, String)> {
    karpathy(crate::fixtures().join("synthetic/captions.json"))
}
