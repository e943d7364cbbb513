//! The planner's configuration file (`config.toml` in the configuration directory): key bindings and theme,
//! merged over the embedded defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keymap::{Keymap, RawKeymap};
use super::theme::{RawTheme, Theme, no_color};

/// Environment variable that overrides the configuration directory.
pub const CONFIG_DIR_ENV: &str = "GUARDPLAN_CONFIG_DIR";
/// Environment variable that overrides the data directory (autosaves).
pub const DATA_DIR_ENV: &str = "GUARDPLAN_DATA_DIR";

/// The configuration file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Bindings merged over the defaults, per context.
    #[serde(default)]
    pub keys: RawKeymap,
    /// Styles replacing the defaults.
    #[serde(default)]
    pub theme: RawTheme,
}

/// Key bindings and theme in effect.
#[derive(Debug, Clone)]
pub struct Config {
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keymap: Keymap::default_keymap(),
            theme: Theme::from_env(),
        }
    }
}

impl Config {
    /// The defaults with a configuration text merged over them; `name` is used in messages.
    pub fn from_toml(name: &str, text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e
                .span()
                .map(|s| {
                    let src = crate::inventory::SourceFile::new(name, text);
                    src.line_col(s.start)
                })
                .unwrap_or((1, 1));
            format!("{name}:{line}:{col}: {}", e.message())
        })?;
        let mut config = Config::default();
        config
            .keymap
            .merge(&raw.keys)
            .map_err(|e| format!("{name}: {e}"))?;
        // NO_COLOR wins over colours chosen in the file.
        if !no_color() {
            config
                .theme
                .apply(&raw.theme)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(config)
    }

    /// Loads `config.toml` from a directory; a missing file gives the defaults.
    pub fn load_from(dir: &Path) -> Result<Config, String> {
        let path = dir.join("config.toml");
        match crate::fsio::read_input(&path)
            .and_then(|b| String::from_utf8(b).map_err(std::io::Error::other))
        {
            Ok(text) => Config::from_toml(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "guardplan")
}

fn dir_from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The configuration directory (`GUARDPLAN_CONFIG_DIR`, else the platform's, e.g. `~/.config/guardplan`).
pub fn config_dir() -> Option<PathBuf> {
    dir_from_env(CONFIG_DIR_ENV).or_else(|| project_dirs().map(|d| d.config_dir().to_path_buf()))
}

/// The data directory (`GUARDPLAN_DATA_DIR`, else the platform's, e.g. `~/.local/share/guardplan`).
pub fn data_dir() -> Option<PathBuf> {
    dir_from_env(DATA_DIR_ENV).or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
}
