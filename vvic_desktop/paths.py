"""Where the app keeps its files: platformdirs locations, or one --data-dir for everything.

`--data-dir DIR` (or VVIC_DESKTOP_DATA_DIR) puts every file under DIR, so tests and tools
never touch the user's real data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from vvic_desktop import APP_AUTHOR, APP_NAME

ENV_DATA_DIR = "VVIC_DESKTOP_DATA_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data: Path  # the library database, thumbnails, batch queue
    config: Path  # settings.json, quotas
    cache: Path  # result cache, downloaded query images
    logs: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        """--data-dir, else $VVIC_DESKTOP_DATA_DIR, else the platform's own locations."""
        root = data_dir or os.environ.get(ENV_DATA_DIR) or None
        if root:
            base = Path(root).expanduser().resolve()
            return cls(data=base, config=base / "config", cache=base / "cache", logs=base / "logs")
        dirs = platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR)
        return cls(
            data=Path(dirs.user_data_dir),
            config=Path(dirs.user_config_dir),
            cache=Path(dirs.user_cache_dir),
            logs=Path(dirs.user_log_dir),
        )

    @property
    def database(self) -> Path:
        return self.data / "library.sqlite3"

    @property
    def thumbnails(self) -> Path:
        return self.data / "thumbs"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    def ensure(self) -> AppPaths:
        for folder in (self.data, self.config, self.cache, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self
