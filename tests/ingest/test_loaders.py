import json
from pathlib import Path

import pytest

from ingest.sources.files import InputFile, SkipFile, load_file, walk

VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"


def _item(tmp_path: Path, name: str, content: str | bytes) -> InputFile:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return InputFile(path, tmp_path)


def test_markdown_front_matter(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Vault\ntype: protocol\nprotocol: Balancer\nchain: Ethereum\n"
        f"addresses: [{VAULT}]\npublished_at: 2024-05-01\naudited: true\n---\nBody text here.\n"
    )
    (doc,) = load_file(_item(tmp_path, "sub/vault.md", text))
    assert doc.title == "Vault"
    assert doc.source == "sub/vault.md"
    assert doc.type == "protocol"
    assert doc.chain == "ethereum"
    # YAML reads the unquoted address as an integer; it must come back as EIP-55.
    assert doc.addresses == [VAULT]
    assert doc.published_at == "2024-05-01T00:00:00Z"
    assert doc.metadata == {"audited": True}


def test_markdown_without_front_matter_takes_heading(tmp_path: Path) -> None:
    (doc,) = load_file(_item(tmp_path, "a.md", "# Heading\n\nSome text."))
    assert doc.title == "Heading"
    assert doc.type == "other"


def test_txt(tmp_path: Path) -> None:
    (doc,) = load_file(_item(tmp_path, "notes.txt", "---\nnot: front matter\n"))
    assert doc.title == "notes"
    assert "not: front matter" in doc.text


def test_html_keeps_main_text_only(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Aave risk</title><style>.x{color:red}</style>"
        "<script>var secret = 'SCRIPTCODE';</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>NAVLINK</a></nav>"
        "<article><h1>Aave risk</h1><p>Aave is a lending protocol where users supply assets "
        "and borrow against collateral. Liquidations happen when the health factor drops "
        "below one, and liquidators repay debt in exchange for discounted collateral.</p>"
        "<p>Governance sets risk parameters such as loan-to-value ratios per asset.</p>"
        "</article><footer>FOOTERTEXT copyright</footer></body></html>"
    )
    (doc,) = load_file(_item(tmp_path, "aave.html", html))
    assert doc.title == "Aave risk"
    assert "health factor" in doc.text
    for junk in ("SCRIPTCODE", "color:red", "NAVLINK"):
        assert junk not in doc.text


def test_registry_json_and_yaml(tmp_path: Path) -> None:
    entries = [
        {
            "name": "Balancer",
            "category": "dex",
            "chains": ["ethereum"],
            "addresses": {"ethereum": [VAULT.lower()]},
            "website": "https://balancer.fi",
            "description": "Weighted pools.",
        }
    ]
    docs = load_file(_item(tmp_path, "reg.json", json.dumps({"protocols": entries})))
    assert [d.doc_id for d in docs] == [f"{tmp_path / 'reg.json'}#balancer"]
    assert docs[0].addresses == [VAULT]
    assert docs[0].type == "protocol"
    assert "Weighted pools." in docs[0].text
    yaml_docs = load_file(_item(tmp_path, "reg.yaml", "- name: Curve\n  category: dex\n"))
    assert yaml_docs[0].title == "Curve"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.pdf", "whatever", "unsupported file type"),
        ("empty.md", "", "empty file"),
        ("blank.md", "   \n\n", "empty file"),
        ("broken.md", "---\ntitle: [unclosed\n---\nbody", "broken front matter"),
        ("latin1.md", b"caf\xe9 \xff\xfe", "not UTF-8"),
        ("only-meta.md", "---\ntitle: x\n---\n", "no text"),
        ("bad.json", "{not json", "unparseable registry"),
        ("noname.yaml", "- category: dex\n", "has no name"),
    ],
)
def test_bad_files_are_skipped_with_reason(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    with pytest.raises(SkipFile, match=reason):
        load_file(_item(tmp_path, name, content))


def test_walk_skips_hidden_and_sorts(tmp_path: Path) -> None:
    for name in ("b.md", "a.md", ".git/config", "sub/.hidden.md", "sub/c.md"):
        _item(tmp_path, name, "x")
    assert [i.source for i in walk(tmp_path)] == ["a.md", "b.md", "sub/c.md"]
