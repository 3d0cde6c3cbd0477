"""The backups that exist: complete backup folders in BACKUP_DIR and the newest one's
manifest, for the jobs page, /healthz and /metrics. Making and restoring one is backup.py's
(it needs the migrations); reading what is there is everybody's."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

PREFIX = "kotipiha-"


def backups(target_dir: str) -> list[Path]:
    """The complete backup folders, the newest first."""
    folder = Path(target_dir)
    if not folder.exists():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and p.name.startswith(PREFIX)
                   and not p.name.endswith(".partial")), key=lambda p: p.name, reverse=True)


def latest(target_dir: str) -> dict | None:
    """The newest backup: its folder and its manifest, for the jobs page and /healthz."""
    found = backups(target_dir)
    if not found:
        return None
    manifest = json.loads((found[0] / "manifest.json").read_text(encoding="utf-8"))
    created = dt.datetime.fromisoformat(manifest["created_at"]).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return {"path": str(found[0]), "created_at": created,  # naive UTC, like every stored time
            "rows": sum((manifest.get("rows") or {}).values())}
