"""A small Python helper library rendered from a flat state dict (shared by several families).

State keys: ("fn", name) -> (module, order, variant, doc); ("module", stem) -> docstring;
("test", name) -> case tuples; ("version",); ("keywords",); ("log", n); ("note", n);
("page", topic) -> paragraphs; ("extra", stem) -> module source; ("broken_import",) -> stem;
("syntax", stem) -> True. Files are a pure function of the state, so two lines of history
can be merged key by key (`merge3`) and the merged snapshot rendered again.
"""

from __future__ import annotations

from litecoder_harbor.task_templates.version_control._snippets import BY_NAME, render_module

MODULE_NAMES = {
    "text": ["text", "strings"],
    "numbers": ["numeric", "mathx"],
    "dates": ["timeutil", "clock"],
    "codes": ["codes", "ident"],
}
MODULE_DOCS = {
    "text": "Text helpers.",
    "numbers": "Number helpers.",
    "dates": "Date and time helpers.",
    "codes": "Identifier, code and ordering helpers.",
}
MISSING = object()


def merge3(base: dict, ours: dict, theirs: dict) -> dict:
    out = {}
    for key in sorted(set(base) | set(ours) | set(theirs), key=repr):
        b, o, t = (base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING))
        if o == t or t == b:
            value = o
        elif o == b:
            value = t
        else:
            raise ValueError(f"both sides changed {key}")
        if value is not MISSING:
            out[key] = value
    return out


class Library:
    """Renders the repository's files from a flat state dict."""

    def __init__(self, pkg: str):
        self.pkg = pkg

    def files(self, st: dict) -> dict:
        pkg = self.pkg
        modules = sorted(k[1] for k in st if k[0] == "module")
        extras = sorted(k[1] for k in st if k[0] == "extra")
        imported = sorted(set(modules + extras + [st.get(("broken_import",), modules[0])]))
        files: dict = {
            f"{pkg}/__init__.py": f'"""{pkg}: small, dependable helpers."""\n\n'
            f"from . import {', '.join(imported)}\n\n"
            f'__version__ = "{st[("version",)]}"\n',
            "tests/__init__.py": "",
        }
        fns = sorted((v[1], name) for (kind, name), v in items(st, "fn"))
        for stem in modules:
            members = [
                (name, st[("fn", name)][2], st[("fn", name)][3])
                for _, name in fns
                if st[("fn", name)][0] == stem
            ]
            tail = "def _pending(value:\n    return value\n" if st.get(("syntax", stem)) else ""
            files[f"{pkg}/{stem}.py"] = render_module(st[("module", stem)], members, tail)
        for stem in extras:
            files[f"{pkg}/{stem}.py"] = st[("extra", stem)]
        for (_, name), cases in items(st, "test"):
            files[f"tests/test_{name}.py"] = self.test_file(name, st[("fn", name)][0], cases)
        listing = "".join(f"- `{st[('fn', n)][0]}.{n}`\n" for _, n in fns)
        notes = "".join(f"- {v}\n" for _, v in sorted(items(st, "note")))
        files["README.md"] = (
            f"# {pkg}\n\nSmall, dependable helpers for scripts.\n\n## Helpers\n\n{listing}"
            + (f"\n## Notes\n\n{notes}" if notes else "")
        )
        log = "".join(f"- {v}\n" for _, v in sorted(items(st, "log"), reverse=True))
        files["CHANGELOG.md"] = f"# Changelog\n\n{log}"
        for (_, topic), paragraphs in items(st, "page"):
            title = topic.replace("-", " ").capitalize()
            files[f"docs/{topic}.md"] = f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"
        keywords = ", ".join(f'"{k}"' for k in st[("keywords",)])
        files["pyproject.toml"] = (
            f'[project]\nname = "{pkg}"\nversion = "{st[("version",)]}"\n'
            f'keywords = [{keywords}]\nrequires-python = ">=3.9"\n'
        )
        return files

    def test_file(self, name: str, module: str, cases: tuple) -> str:
        snippet = BY_NAME[name]
        body = "".join(
            f"        self.assertEqual({snippet.call(args)}, {snippet.expect('good', args)!r})\n"
            for args in cases
        )
        cls = "".join(part.title() for part in name.split("_"))
        return (
            f"import unittest\n\nfrom {self.pkg}.{module} import {name}\n\n\n"
            f"class {cls}Test(unittest.TestCase):\n    def test_examples(self):\n{body}\n\n"
            'if __name__ == "__main__":\n    unittest.main()\n'
        )


def items(st: dict, kind: str) -> list:
    return sorted(((k, v) for k, v in st.items() if k[0] == kind), key=lambda kv: repr(kv[0]))
