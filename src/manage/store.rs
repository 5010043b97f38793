//! Ready-made [`SecretStore`]s and a [`Journal`] for rotations: a file only its owner can
//! read, a command (a password manager) fed on its standard input, a state file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use zeroize::Zeroizing;

use super::rotate::{Journal, RotationState, SecretStore};
use crate::adapter::NewKey;
use crate::credentials::Credentials;

/// The new key as JSON: `{"exchange", "api_key", "secret", "passphrase"}`, in memory that is
/// wiped when dropped.
fn document(key: &NewKey) -> Zeroizing<String> {
    Zeroizing::new(
        json!({
            "exchange": key.exchange,
            "api_key": key.api_key,
            "secret": key.secret.expose_secret(),
            "passphrase": key.passphrase.as_ref().map(|p| p.expose_secret().to_owned()),
        })
        .to_string(),
    )
}

/// Writes the new credentials to a new file readable by its owner only (mode 0600 on Unix),
/// flushed to disk before acknowledging. An existing file is never overwritten: the store
/// refuses, and the rotation keeps the old key.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store writing to `path`, which must not exist yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// Reads back the credentials a previous rotation stored at `path`, to resume it.
    pub fn read(path: impl AsRef<Path>) -> Result<Credentials, String> {
        let path = path.as_ref();
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        );
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|_| format!("{}: not a stored key", path.display()))?;
        let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let (Some(api_key), Some(secret)) = (field("api_key"), field("secret")) else {
            return Err(format!("{}: no api_key or secret", path.display()));
        };
        let credentials = Credentials::new(api_key, SecretString::from(secret));
        Ok(match field("passphrase") {
            Some(passphrase) => credentials.with_passphrase(SecretString::from(passphrase)),
            None => credentials,
        })
    }
}

#[async_trait]
impl SecretStore for FileStore {
    async fn store(&self, key: &NewKey) -> Result<(), String> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let shown = self.path.display();
        let mut file: File = options.open(&self.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!("{shown} already exists: a stored secret is never overwritten")
            }
            _ => format!("{shown}: {e}"),
        })?;
        file.write_all(document(key).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{shown}: {e}"))
    }
}

/// Runs a command (split on whitespace, no shell) and writes the new credentials as JSON to
/// its standard input; exit status 0 within the time allowed is the acknowledgement. Its
/// output is not shown: it could echo the secret.
#[derive(Debug, Clone)]
pub struct CommandStore {
    command_line: String,
    timeout: Duration,
}

impl CommandStore {
    /// A store running `command_line`, e.g. `vault kv put -mount=secret bots/grid -`.
    pub fn new(command_line: impl Into<String>) -> Self {
        CommandStore {
            command_line: command_line.into(),
            timeout: Duration::from_secs(60),
        }
    }

    /// The time the command has to acknowledge (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[async_trait]
impl SecretStore for CommandStore {
    async fn store(&self, key: &NewKey) -> Result<(), String> {
        let document = document(key);
        let command_line = self.command_line.clone();
        let timeout = self.timeout;
        tokio::task::spawn_blocking(move || run_store_command(&command_line, &document, timeout))
            .await
            .map_err(|_| "the store command's runner failed".to_owned())?
    }
}

fn run_store_command(command_line: &str, document: &str, timeout: Duration) -> Result<(), String> {
    let mut words = command_line.split_whitespace();
    let program = words.next().ok_or("the store command is empty")?;
    let name = Path::new(program).file_name().map_or_else(
        || "the store command".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut child = Command::new(program)
        .args(words)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not run `{name}`: {}", e.kind()))?;
    // Written from another thread: a command that never reads would otherwise block the
    // write (once the document outgrows the pipe) past the deadline. Killing the command at
    // the deadline closes the pipe, which ends the write.
    let writer = child.stdin.take().map(|mut stdin| {
        let document = Zeroizing::new(document.to_owned());
        std::thread::spawn(move || stdin.write_all(document.as_bytes()).map_err(|e| e.kind()))
    });
    let taken =
        |writer: Option<std::thread::JoinHandle<Result<(), std::io::ErrorKind>>>| match writer {
            Some(writer) => match writer.join() {
                Ok(Ok(())) => Ok(()),
                Ok(Err(kind)) => Err(format!("`{name}` did not take the credentials: {kind}")),
                Err(_) => Err(format!("`{name}` did not take the credentials")),
            },
            None => Ok(()),
        };
    let deadline = Instant::now() + timeout;
    let mut writer = writer;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return taken(writer.take()),
            Ok(Some(status)) => {
                let _ = taken(writer.take());
                return Err(format!("`{name}` refused the credentials ({status})"));
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = taken(writer.take());
                return Err(format!(
                    "`{name}` did not acknowledge within {} ms",
                    timeout.as_millis()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = taken(writer.take());
                return Err(format!("waiting for `{name}`: {}", e.kind()));
            }
        }
    }
}

/// Keeps the rotation's state in a file, replaced atomically after every step (written
/// beside it, then renamed), so a crash leaves the previous state or the new one, never half.
#[derive(Debug, Clone)]
pub struct FileJournal {
    path: PathBuf,
}

impl FileJournal {
    /// A journal at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileJournal { path: path.into() }
    }

    /// Reads the state recorded at `path`.
    pub fn read(path: impl AsRef<Path>) -> Result<RotationState, String> {
        let path = path.as_ref();
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a rotation state: {e}", path.display()))
    }
}

impl Journal for FileJournal {
    fn record(&self, state: &RotationState) -> Result<(), String> {
        let text = serde_json::to_string_pretty(state).map_err(|e| e.to_string())?;
        let shown = self.path.display();
        // The temporary file gets an unpredictable name and is created new (O_EXCL, which
        // follows no symlink): in a shared directory, a link planted at a guessable name would
        // otherwise make the journal overwrite whatever file it points at.
        let (temporary, mut file) = (0..8)
            .find_map(|_| {
                let suffix = crate::transport::signing::random_hex(8).ok()?;
                let mut temporary = self.path.clone().into_os_string();
                temporary.push(format!(".{suffix}.tmp"));
                let temporary = PathBuf::from(temporary);
                let mut options = OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                options.open(&temporary).ok().map(|file| (temporary, file))
            })
            .ok_or_else(|| format!("{shown}: could not create a temporary file beside it"))?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&temporary, &self.path));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written.map_err(|e| format!("{shown}: {e}"))
    }
}
