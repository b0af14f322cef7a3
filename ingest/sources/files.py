"""Load documents from files: Markdown with front matter, text, HTML, and protocol registries."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frontmatter
import yaml
from frontmatter.default_handlers import JSONHandler, YAMLHandler

from app.kb.models import DOC_TYPES, Document
from ingest.sources import safe_json, safe_yaml
from ingest.sources.contracts import parse_list, tokenlist_documents
from ingest.sources.front_matter import FrontMatterError, collecting, placement, warn

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
REGISTRY_SUFFIXES = {".json", ".yaml", ".yml"}
CONTRACT_LIST_SUFFIXES = {".contracts"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | REGISTRY_SUFFIXES | CONTRACT_LIST_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024
_KNOWN_KEYS = {"title", "type", "protocol", "chain", "addresses", "url", "published_at"}
_FRONT_MATTER_YAML = safe_yaml.FrontMatterYAML()
_FRONT_MATTER_JSON = safe_json.FrontMatterJSON()


class SkipFile(Exception):
    """A file that cannot become a document; the message says why."""

    def __init__(self, reason: str, *, keep_stored: bool = True) -> None:
        super().__init__(reason)
        # False when what an earlier run stored from this path must go too (a link that leads
        # out of the folder now); True for a file that is only broken for the moment.
        self.keep_stored = keep_stored


@dataclass(frozen=True)
class InputFile:
    """A file to load, and the folder it was found under (for its relative source)."""

    path: Path
    root: Path

    @property
    def source(self) -> str:
        """The path relative to the ingested folder, as clients see it."""
        return self.path.relative_to(self.root).as_posix()


def walk(target: Path) -> Iterator[InputFile]:
    """Files and links under a folder (sorted, hidden ones skipped), or the file itself.

    A file named on the command line is taken wherever it lives; links found in a folder are
    yielded as they are, and load_file refuses those that lead out of it.
    """
    target = target.resolve()
    if target.is_file():
        yield InputFile(target, target.parent)
        return
    # rglob does not descend into linked folders, so every path here is the folder's own,
    # except that its last part may be a link.
    for path in sorted(target.rglob("*")):
        rel = path.relative_to(target)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_symlink() and path.is_dir() and _inside(path.resolve(), target):
            continue  # the folder it points to is walked where it is
        if path.is_file() or path.is_symlink():
            yield InputFile(path, target)


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def real_path(item: InputFile) -> Path:
    """The file a found path leads to; SkipFile when that is outside the ingested folder."""
    try:
        real = item.path.resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError for a loop, 3.13 OSError
        raise SkipFile("a loop of symbolic links") from None
    root = item.root.resolve()
    if not _inside(real, root):
        # `ln -s /etc/passwd folder/passwd.md` must not publish /etc/passwd.
        raise SkipFile(
            f"links to {real}, outside the ingested folder {root}; not ingested",
            keep_stored=False,
        )
    if not real.exists():
        raise SkipFile("broken symbolic link")
    if real.is_dir():
        raise SkipFile("a folder, not a file")
    return real


def load_file(
    item: InputFile, *, allow_hard_links: bool = False, notes: list[str] | None = None
) -> list[Document]:
    """Documents in one file; raise SkipFile with the reason when it has none. Warnings about
    them (a field read with a loss) are appended to notes."""
    with collecting([] if notes is None else notes):
        try:
            return _load_file(item, allow_hard_links=allow_hard_links)
        except FrontMatterError as exc:  # a shape that cannot be read without guessing
            raise SkipFile(str(exc)) from None


def _load_file(item: InputFile, *, allow_hard_links: bool) -> list[Document]:
    real = real_path(item)
    suffix = item.path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SkipFile(f"unsupported file type {suffix or '(none)'!r}")
    stat = real.stat()
    if stat.st_nlink > 1 and not allow_hard_links:
        # A hard link's other names may lie outside the folder (`ln /etc/passwd folder/a.md`),
        # and no path tells which: the file is refused unless the operator allows them.
        raise SkipFile(
            f"a file with {stat.st_nlink} hard links, which may lead out of the folder; not "
            "ingested (CRYPTORAG_INGEST_ALLOW_HARD_LINKS=true allows it)",
            keep_stored=False,
        )
    size = stat.st_size
    if size == 0:
        raise SkipFile("empty file")
    if size > MAX_FILE_BYTES:
        raise SkipFile(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        # The checked path is read, not the link: one that is swapped meanwhile is not followed.
        raw = real.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(f"not UTF-8 text (byte {exc.start})") from None
    if not raw.strip():
        raise SkipFile("empty file")
    if suffix in REGISTRY_SUFFIXES:
        return load_registry(raw, item)
    if suffix in CONTRACT_LIST_SUFFIXES:
        try:
            return parse_list(raw, str(item.path))
        except ValueError as exc:
            raise SkipFile(f"bad contract list: {exc}") from None
    if suffix in HTML_SUFFIXES:
        return [load_html(raw, item)]
    return [load_text(raw, item, markdown=suffix != ".txt")]


def load_text(raw: str, item: InputFile, *, markdown: bool = True) -> Document:
    """A Markdown file with optional YAML front matter, or plain text."""
    meta: dict[str, Any] = {}
    body = raw
    if markdown:
        handler = frontmatter.detect_format(raw, frontmatter.handlers)
        if isinstance(handler, YAMLHandler):
            handler = _FRONT_MATTER_YAML  # aliases refused: a few hundred bytes can expand to GBs
        elif isinstance(handler, JSONHandler):
            handler = _FRONT_MATTER_JSON  # nesting checked before the recursive parser
        try:
            post = frontmatter.loads(raw, handler=handler)
        except yaml.YAMLError as exc:
            raise SkipFile(f"broken front matter: {_first_line(exc)}") from None
        except ValueError as exc:
            raise SkipFile(f"broken front matter: {exc}") from None
        if not isinstance(post.metadata, dict):
            raise SkipFile("front matter is not a mapping")
        meta, body = dict(post.metadata), post.content
    if not body.strip():
        raise SkipFile("no text after the front matter")
    title = str(meta.get("title") or _first_heading(body) or item.path.stem).strip()
    return make_document(str(item.path), item.source, title, body.strip(), meta)


def load_html(raw: str, item: InputFile) -> Document:
    """The main text of an HTML page, without scripts, styles or navigation."""
    text, meta = html_main_text(raw)
    if not text:
        raise SkipFile("no main text found in the HTML")
    title = str(meta.pop("title", None) or item.path.stem)
    return make_document(str(item.path), item.source, title, text, meta)


def html_main_text(raw: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of a page, through trafilatura's content extractor."""
    import trafilatura

    text = (
        trafilatura.extract(
            raw, url=url, include_comments=False, include_tables=True, favor_recall=True
        )
        or ""
    )
    meta: dict[str, Any] = {}
    info = trafilatura.extract_metadata(raw, default_url=url)
    if info is not None:
        if info.title:
            meta["title"] = info.title
        if info.date:
            meta["published_at"] = info.date
        if info.url:
            meta["url"] = info.url
    return text.strip(), meta


def load_registry(raw: str, item: InputFile) -> list[Document]:
    """A protocol registry: a list of entries, or a mapping with a `protocols` list."""
    try:
        if item.path.suffix.lower() == ".json":
            data = safe_json.load(raw, "registry")
        else:
            data = safe_yaml.load(raw)
    except (safe_json.UnreadableJSON, yaml.YAMLError) as exc:
        raise SkipFile(f"unparseable registry: {_first_line(exc)}") from None
    if isinstance(data, dict) and isinstance(data.get("tokens"), list):
        docs = tokenlist_documents(data, str(item.path))
        if not docs:
            raise SkipFile("token list has no tokens on known chains")
        return docs
    entries = data.get("protocols") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise SkipFile("registry must be a non-empty list of protocols (or {protocols: [...]})")
    docs = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SkipFile(f"registry entry {n} has no name")
        docs.append(_registry_document(entry, item))
    return docs


def _registry_document(entry: dict[str, Any], item: InputFile) -> Document:
    name = str(entry["name"]).strip()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    addresses = entry.get("addresses") or []
    category = str(entry.get("category", "crypto"))
    article = "an" if category[:1].lower() in "aeiou" else "a"
    lines = [f"{name} is {article} {category} protocol."]
    if entry.get("description"):
        lines.append(str(entry["description"]).strip())
    chains = entry.get("chains") or []
    if chains:
        lines.append("Chains: " + ", ".join(map(str, chains)) + ".")
    if isinstance(addresses, dict):
        for chain, addrs in addresses.items():
            for addr in addrs if isinstance(addrs, list) else [addrs]:
                lines.append(f"{name} contract on {chain}: {_address_text(addr)}")
        flat = [a for v in addresses.values() for a in (v if isinstance(v, list) else [v])]
    else:
        lines.extend(f"{name} contract: {_address_text(addr)}" for addr in addresses)
        flat = list(addresses)
    if entry.get("website"):
        lines.append(f"Website: {entry['website']}")
    meta = {k: v for k, v in entry.items() if k not in {"name", "description", "addresses"}}
    meta.update(type="protocol", protocol=name, addresses=flat, url=entry.get("website"))
    if len(chains) == 1:
        meta.setdefault("chain", chains[0])
    return make_document(
        f"{item.path}#{slug}", f"{item.source}#{slug}", name, "\n".join(lines), meta
    )


def make_document(
    doc_id: str, source: str, title: str, text: str, meta: dict[str, Any]
) -> Document:
    """A Document from text and front-matter-style metadata; unknown keys are kept."""
    doc_type = str(meta.get("type") or "other").lower()
    if doc_type not in DOC_TYPES:
        warn(source, f"front matter `type`: unknown type {doc_type!r}, stored as 'other'")
        doc_type = "other"
    # Declared addresses, per chain for a token on several; the chunker adds those each
    # chunk's own text mentions.
    placed = placement(meta, source)
    extra = {k: _jsonable(v) for k, v in meta.items() if k not in _KNOWN_KEYS}
    extra |= placed.metadata()
    return Document(
        doc_id=doc_id,
        source=source,
        title=title[:300],
        text=text,
        type=doc_type,  # type: ignore[arg-type]
        url=_http_url(meta.get("url"), source),
        protocol=_opt_str(meta.get("protocol")),
        chain=placed.chain,
        published_at=normalise_date(meta.get("published_at")),
        addresses=placed.addresses,
        metadata=extra,
    )


def normalise_date(value: Any) -> str | None:
    """RFC 3339 in UTC for dates and datetimes, so that date filters compare correctly."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            log.warning("unparseable published_at %r ignored", value)
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _address_text(value: Any) -> str:
    """YAML reads an unquoted 0x-address as a hex integer; turn it back into an address."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**160:
        return f"0x{value:040x}"
    return str(value)


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host: the only kind a source may link to."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unreadable authority ("http://[::1")
        return False


def _http_url(value: Any, source: str) -> str | None:
    """A document's URL when it is http(s); any other (`javascript:`, `file:`) is dropped, as
    the answer lists it and lets the model link to it."""
    url = _opt_str(value)
    if url is not None and not is_http_url(url):
        log.warning("%s: url %r is not http(s); not kept", source, url[:100])
        return None
    return url


def _opt_str(value: Any, *, lower: bool = False) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    return text.lower() if lower else text


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
        if line.strip():
            return None
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
