//! A tiny stand-in for the Hugging Face hub: serves fixture files under
//! `/{repo}/resolve/{revision}/{file}` the way the real hub serves LFS files (a redirect to a CDN
//! URL that honours `Range`), records every request, and can misbehave on demand.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use sha2::{Digest, Sha256};

/// What the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub range: Option<String>,
}

#[derive(Default)]
struct State {
    /// CDN path (`/cdn/{name}`) → bytes.
    files: HashMap<String, Vec<u8>>,
    /// Resolve path → (name, sha256, size) for the hub's metadata headers.
    resolve: HashMap<String, (String, String, usize)>,
    seen: Vec<Seen>,
    /// File name → how many bytes to send before cutting the connection, once.
    cut_once: HashMap<String, usize>,
    /// File name → bytes to serve instead of the real ones.
    corrupt: HashMap<String, Vec<u8>>,
    /// Answer ranged requests with the whole file, as some CDNs do.
    ignore_range: bool,
}

#[derive(Clone)]
pub struct MockHub {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl MockHub {
    /// Serves `files` (name → bytes) of `repo` at `revision`.
    pub fn start(repo: &str, revision: &str, files: &[(&str, &[u8])]) -> MockHub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut state = State::default();
        for (name, bytes) in files {
            let sha = sha256_hex(bytes);
            let resolve = format!("/{repo}/resolve/{revision}/{name}");
            state
                .resolve
                .insert(resolve, (name.to_string(), sha, bytes.len()));
            state.files.insert(format!("/cdn/{name}"), bytes.to_vec());
        }
        let hub = MockHub {
            url,
            state: Arc::new(Mutex::new(state)),
        };
        let server = hub.clone();
        // The thread ends with the test process; nextest runs each test in its own.
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = server.clone();
                thread::spawn(move || server.handle(stream));
            }
        });
        hub
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The next GET of `name` sends `after` bytes of the body, then drops the connection.
    pub fn cut_once(&self, name: &str, after: usize) {
        let mut state = self.state.lock().unwrap();
        state.cut_once.insert(name.to_owned(), after);
    }

    /// Serve `bytes` for `name` instead of its real content (`None` restores it).
    pub fn corrupt(&self, name: &str, bytes: Option<Vec<u8>>) {
        let mut state = self.state.lock().unwrap();
        match bytes {
            Some(b) => state.corrupt.insert(name.to_owned(), b),
            None => state.corrupt.remove(name),
        };
    }

    pub fn ignore_range(&self, ignore: bool) {
        self.state.lock().unwrap().ignore_range = ignore;
    }

    fn handle(&self, mut stream: TcpStream) {
        let Some(request) = read_request(&stream) else {
            return;
        };
        self.state.lock().unwrap().seen.push(request.clone());
        let response = self.respond(&request);
        let (head, body, cut) = match response {
            Some(r) => r,
            None => (status_line(404, "Not Found", 0), Vec::new(), None),
        };
        let _ = stream.write_all(head.as_bytes());
        if request.method != "HEAD" {
            let end = cut.unwrap_or(body.len()).min(body.len());
            let _ = stream.write_all(&body[..end]);
        }
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Both);
    }

    /// The response head, body, and where to cut the body short (if at all).
    fn respond(&self, request: &Seen) -> Option<(String, Vec<u8>, Option<usize>)> {
        let mut state = self.state.lock().unwrap();
        if let Some((name, sha, size)) = state.resolve.get(&request.path).cloned() {
            // Like the hub for LFS files: metadata headers, then off to the CDN.
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: /cdn/{name}\r\nx-repo-commit: {rev}\r\n\
                 x-linked-etag: \"{sha}\"\r\netag: \"{sha}\"\r\nx-linked-size: {size}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n",
                rev = request.path.split('/').nth(4).unwrap_or(""),
            );
            return Some((head, Vec::new(), None));
        }
        let name = request.path.strip_prefix("/cdn/")?.to_owned();
        let real = state.files.get(&request.path)?.clone();
        let bytes = state.corrupt.get(&name).cloned().unwrap_or(real);
        let cut = if request.method == "GET" {
            state.cut_once.remove(&name)
        } else {
            None
        };
        let total = bytes.len();
        let start = request
            .range
            .as_deref()
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|_| !state.ignore_range);
        let head = match start {
            Some(start) if start >= total => {
                let mut h = status_line(416, "Range Not Satisfiable", 0);
                h.insert_str(h.len() - 2, &format!("Content-Range: bytes */{total}\r\n"));
                return Some((h, Vec::new(), None));
            }
            Some(start) => {
                let mut h = status_line(206, "Partial Content", total - start);
                let range = format!("Content-Range: bytes {start}-{}/{total}\r\n", total - 1);
                h.insert_str(h.len() - 2, &range);
                return Some((h, bytes[start..].to_vec(), cut));
            }
            None => status_line(200, "OK", total),
        };
        Some((head, bytes, cut))
    }
}

fn status_line(code: u16, reason: &str, length: usize) -> String {
    format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Length: {length}\r\nAccept-Ranges: bytes\r\n\
         Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    )
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().to_owned());
        }
    }
    Some(Seen {
        method,
        path,
        range,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` seeded pseudo-random bytes (splitmix64), the same on every run.
pub fn fixture_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}
