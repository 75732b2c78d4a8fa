//! The command line: every command, flag and environment variable of `trove`. This is a
//! contract users' scripts rely on: extend it, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "trove",
    version,
    about = "Find your photos and notes by what they show and say, on your own machine.",
    long_about = "Find your photos and notes by what they show and say, on your own machine.\n\n\
        Trove indexes the folders you give it into a local library (nothing is uploaded) and \
        answers searches over it. Settings come from the config file (TROVE_CONFIG, default \
        ~/.config/trove/config.toml), and every one can be overridden by a flag.",
    after_help = "Examples:\n  trove index ~/Pictures ~/Notes\n  trove search \"kitchen budget\"\n  trove search ramen --kind note --json\n  trove status"
)]
pub struct Cli {
    /// The library folder (database and thumbnails) [default: ~/.local/share/trove]
    #[arg(long, global = true, env = "TROVE_LIBRARY", value_name = "DIR")]
    pub library: Option<PathBuf>,

    /// The settings file [default: ~/.config/trove/config.toml]
    #[arg(long, global = true, env = "TROVE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More log output (-v: info, -vv: debug); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No progress output
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Where models run: auto picks a GPU when Trove was built with one and it is present
    #[arg(long, global = true, value_enum, value_name = "DEVICE")]
    pub device: Option<DeviceArg>,

    /// Never use the network; models must be in the hub cache or a folder (also HF_HUB_OFFLINE=1)
    #[arg(long, global = true)]
    pub offline: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add folders and index them; without folders, bring every folder's index up to date
    #[command(
        after_help = "When `trove watch` (or the app) is running on the library, the folders are handed to it\n\
            and it indexes them; the command then returns at once."
    )]
    Index(IndexArgs),
    /// Index the folders, then keep the index up to date as files change, until stopped
    #[command(
        after_help = "New, changed, renamed, moved and deleted files are picked up within seconds; a renamed\n\
            or moved file keeps what was extracted and embedded from it. A folder that disappears\n\
            (an unplugged drive) keeps its files as missing until it returns. Indexing runs at low\n\
            priority on all cores but one (--max-threads; --full-speed for a first big index), and\n\
            `trove pause` / `trove resume` hold and continue it from another terminal. Searches and\n\
            other reads work beside it.\n\
            Ctrl-C stops it; nothing is lost, and the next start picks up what changed meanwhile.\n\n\
            With --json, one JSON object per line: watching, changes, models, download, progress,\n\
            idle, paused, resumed, problem (see the README).\n\n\
            Examples:\n  trove watch ~/Pictures ~/Notes\n  trove watch --poll --poll-interval 30   (network drives)"
    )]
    Watch(WatchArgs),
    /// Serve the web UI on this computer (127.0.0.1), and keep the library up to date meanwhile
    #[command(
        after_help = "Prints the address to open, with a key for this launch: the page and its API answer\n\
            only requests that carry it (the page keeps it in a cookie), and only on 127.0.0.1.\n\
            Meanwhile it indexes and watches the folders as `trove watch` does (unless another\n\
            Trove already does: then it hands work to that one). Ctrl-C stops it.\n\n\
            With --json, the first line is {\"event\":\"listening\",\"url\":…,\"port\":…}, then the\n\
            service's events as `trove watch --json` prints them.\n\n\
            Examples:\n  trove serve --open\n  trove serve ~/Pictures --port 8080"
    )]
    Serve(ServeArgs),
    /// Pause indexing by `trove watch` or the app (until `trove resume`, across restarts)
    Pause(JsonFlag),
    /// Resume indexing after `trove pause`
    Resume(JsonFlag),
    /// List the library's folders with their file counts
    Roots(JsonFlag),
    /// Remove a folder and everything indexed from it (your files are not touched)
    Remove {
        /// The folder, as listed by `trove roots`
        dir: PathBuf,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Search photos and notes
    #[command(
        after_help = "Words are matched two ways at once: by keyword (all words must match) and by meaning (a\n\
            photo of what the words describe, a note that says it in other words), fused into one\n\
            ranking per group. Matches by meaning alone that are too weak are hidden (--all shows\n\
            them). Without a model, matching is by keyword only, and when no file has all the words,\n\
            any of them may match. Filters narrow the search before anything is ranked.\n\n\
            Keyword syntax:\n  \"a phrase\"     these words in this order\n  prefix*        words starting with prefix\n\n\
            Examples:\n  trove search receipt from the ramen place in Osaka\n  trove search whiteboard sketch --kind photo --after 2024-06\n  \
            trove search '\"sync protocol\"' --kind note --in ~/Notes\n  trove search at night --like 42 --text-weight 0.6\n  \
            trove search beach --camera pixel --has-gps --json"
    )]
    Search(SearchArgs),
    /// Photos similar to a photo, and the notes related to it
    #[command(
        after_help = "The photo is a file id (from search results), a path in the library, or any image file.\n\nExamples:\n  trove similar 42\n  trove similar ~/Downloads/whiteboard.jpg --json"
    )]
    Similar {
        /// A photo: file id, or path (in the library or not)
        photo: std::ffi::OsString,
        /// Results per group
        #[arg(long, short = 'n', value_name = "N", default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Counts of indexed, pending, failed and missing files, per folder
    Status(JsonFlag),
    /// Files that could not be indexed, with the reason
    Failed(JsonFlag),
    /// Everything the library knows about one file
    Show {
        /// A file id (from search results) or a path
        item: std::ffi::OsString,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Verify the library's consistency (database, keyword index, thumbnails)
    Check(JsonFlag),
    /// The models Trove can use: size, whether installed, which this library uses
    Models(JsonFlag),
    /// Measure model speed on this machine (image tower throughput, text query latency)
    Bench(BenchArgs),
    /// Measure retrieval quality on a captioned image set (Flickr30k/COCO Karpathy JSON)
    #[command(
        after_help = "Reports text→image and image→text Recall@1/5/10, mAP and median rank, with the\nbridge model run exactly as indexing runs it.\n\nExample (Flickr30k 1k test split):\n  trove eval --captions dataset_flickr30k.json --images flickr30k-images --split test"
    )]
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Caption file in the Karpathy JSON layout (images[].filename, split, sentences[].raw)
    #[arg(long, value_name = "FILE")]
    pub captions: PathBuf,

    /// Folder holding the images the caption file names
    #[arg(long, value_name = "DIR")]
    pub images: PathBuf,

    /// Only images of this split (e.g. test); default: every image in the file
    #[arg(long, value_name = "NAME")]
    pub split: Option<String>,

    #[command(flatten)]
    pub models: ModelArgs,

    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Images to embed (synthetic 640×480 pictures)
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub images: usize,

    /// Images per model call [default: the library's batch size, as indexing embeds them]
    #[arg(long, value_name = "N")]
    pub batch: Option<usize>,

    /// Times each of the eight sample queries is embedded
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rounds: usize,

    #[command(flatten)]
    pub models: ModelArgs,

    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    Auto,
    Cpu,
    Cuda,
    Metal,
}

/// Which models embed the library (remembered by the library for later runs).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Bridge model (photos, text → photos, photo → notes) from `trove models`, or "none"
    #[arg(long, value_name = "ID")]
    pub model: Option<String>,

    /// Bridge model from a folder in the hub's layout (config.json, model.safetensors,
    /// tokenizer.json) [env: TROVE_MODEL_DIR, used when no bridge model flag is given]
    #[arg(long, value_name = "DIR", conflicts_with = "model")]
    pub model_dir: Option<PathBuf>,

    /// Text model (text → notes) from `trove models`, or "none"
    #[arg(long, value_name = "ID")]
    pub text_model: Option<String>,

    /// Text model from a folder in the hub's layout [env: TROVE_TEXT_MODEL_DIR, used when no
    /// text model flag is given]
    #[arg(long, value_name = "DIR", conflicts_with = "text_model")]
    pub text_model_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Folders to add to the library before indexing
    pub dirs: Vec<PathBuf>,

    /// Threads indexing may use: reading, extracting and embedding [default: every core for
    /// `trove index`; all but one for watch and serve, unless --full-speed]
    #[arg(long = "max-threads", visible_alias = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// Files committed per transaction
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,

    /// Skip files larger than this many megabytes
    #[arg(long, value_name = "MB")]
    pub max_file_mb: Option<u64>,

    /// Refuse images with more pixels than this (decompression-bomb guard)
    #[arg(long, value_name = "MEGAPIXELS")]
    pub max_image_megapixels: Option<u64>,

    /// Memory an image decoder may allocate, in megabytes
    #[arg(long, value_name = "MB")]
    pub max_decode_mb: Option<u64>,

    /// Long side of cached thumbnails, in pixels
    #[arg(long, value_name = "PX")]
    pub thumbnail_size: Option<u32>,

    #[command(flatten)]
    pub models: ModelArgs,

    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub index: IndexArgs,

    /// Look for changes every few seconds instead of using file events (network drives and
    /// other file systems that send none)
    #[arg(long)]
    pub poll: bool,

    /// Seconds between looks when polling
    #[arg(long, value_name = "SECS", requires = "poll")]
    pub poll_interval: Option<u64>,

    /// Index as `trove index` does, on every core at normal priority (a first big index),
    /// instead of stepping back for what you are doing [setting: index.full_speed]
    #[arg(long)]
    pub full_speed: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub watch: WatchArgs,

    /// Port on 127.0.0.1 [default: 4756, or any free port when that one is taken; 0: any]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Open the page in the default browser
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Photo,
    Note,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: words, or a description of what a photo shows
    #[arg(required_unless_present = "like", num_args = 1..)]
    pub query: Vec<String>,

    /// Search like this photo too (file id, library path or any image file): with words,
    /// "like this photo, but …"
    #[arg(long, value_name = "PHOTO")]
    pub like: Option<std::ffi::OsString>,

    /// How much the words count against the --like photo, 0 to 1
    #[arg(long, value_name = "W", default_value_t = 0.5, requires = "like")]
    pub text_weight: f32,

    /// Also show weak matches below the relevance cutoff (marked as such)
    #[arg(long)]
    pub all: bool,

    /// Only photos or only notes
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,

    /// Only files under this folder
    #[arg(long = "in", value_name = "FOLDER")]
    pub folder: Option<PathBuf>,

    /// Only items dated on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD): a photo's EXIF date, else
    /// the file's modification time
    #[arg(long, value_name = "DATE")]
    pub after: Option<String>,

    /// Only items dated before DATE (same forms as --after)
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,

    /// Only photos whose camera make or model contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub camera: Option<String>,

    /// Only photos with GPS coordinates
    #[arg(long)]
    pub has_gps: bool,

    /// Results per group
    #[arg(long, short = 'n', value_name = "N", default_value_t = 20)]
    pub limit: usize,

    #[command(flatten)]
    pub json: JsonFlag,
}
