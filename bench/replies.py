"""Reply extraction in ``make bench`` (issue 21): how fast ``parse`` + ``split_reply`` go over
our whole mail corpus, whether the corpus is still exact, and how long a 1 MB message takes.

1. The corpus: every ``.eml`` of tests/fixtures/mail/ through ``mail.parse.parse`` and
   ``mail.quotes.split_reply``, and every case of the reply corpus
   (tests/fixtures/mail/replies/<language>/: ``.txt`` through ``split_reply``, ``.html``
   through ``mail.html_text.html_to_text`` first, as inbound mail does). Messages per
   second is the median of ``RUNS`` passes over all of them; it must not fall below
   ``FLOOR``. Each reply corpus case is also compared with its expected.json.
2. 1 MB messages of different shapes (ordinary prose, a long quoted history, log lines,
   lines that all look like quote headers, very short lines...): the median of ``RUNS``
   calls of ``split_reply`` on each. The target is under ``TARGET_MS``; the shapes over it
   are named, not hidden.

Pure CPU, no AWS: ``python -m bench replies`` rewrites its section of docs/performance.md,
``python -m bench.replies`` prints the figures as JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "mail"
RUNS = 5
FLOOR = 300  # messages per second over the corpus, at least (issue 21)
TARGET_MS = 50  # a 1 MB message, at most
MB = 1_000_000
REPLIES_HEADING = "## Reply extraction"

_PROSE = ("Hej, fakturan 10023 syns nu i listan men momsen är fel, kan ni titta på det?\n"
          "We tried again this morning and the export still stops at the same row.\n")
_HISTORY = "> " + "Tack för ditt meddelande, vi återkommer inom en arbetsdag. " * 2 + "\n"
# (name, what it is, one repeated unit; the message is the unit repeated up to 1 MB)
SHAPES: list[tuple[str, str, str]] = [
    ("prose", "a long reply of ordinary prose, no history", _PROSE),
    ("reply over a long quoted history", "a few lines, a Gmail header, 1 MB of `> ` lines",
     ""),
    ("a long thread, quotes unmarked", "a reply, then Outlook header blocks and old text "
     "repeated (the history starts at the first block)", ""),
    ("log lines", "a pasted log: a timestamp, a level and a colon on every line",
     "2026-11-23 10:15:02,123 ERROR [main] com.example.Service: connection refused db01\n"),
    ("field lines", "every line `Word: text`, as a form or a log", "Note: the row was "
                    "exported at 10:15 and then it stopped again without an error.\n"),
    ("header-like lines", "every line opens like a quote header, none is one",
     "On Mon, 23 Nov 2026 at 10:15 someone said something long\n"),
    ("short interleaved lines", "`> q` and `answer`, 5-byte lines alternating",
     "> q\nanswer\n"),
    ("one line", "1 MB without a line break", "a"),
]


def _shape_text(name: str, unit: str) -> str:
    if name == "reply over a long quoted history":
        head = ("Hej,\n\nDet fungerar nu, tack!\n\nMvh Karin\n\n"
                "Den 23 nov. 2026 kl. 10:15 skrev Support <support@demo.test>:\n")
        return head + _HISTORY * ((MB - len(head)) // len(_HISTORY) + 1)
    if name == "a long thread, quotes unmarked":
        block = ("\n________________________________\nFrån: Support <support@demo.test>\n"
                 "Skickat: den 23 november 2026 10:15\nTill: Karin <karin@kund.test>\n"
                 "Ämne: SV: Fakturan\n\n" + _PROSE * 3)
        return "Tack, nu stämmer det.\n" + block * (MB // len(block) + 1)
    return unit * (MB // len(unit) + 1)


def _corpus() -> list[tuple[str, str, Callable[[], Any]]]:
    """(kind, name, what one message costs) for every message of the corpus."""
    from chalicelib.mail.html_text import html_to_text
    from chalicelib.mail.parse import parse
    from chalicelib.mail.quotes import split_reply

    work: list[tuple[str, str, Callable[[], Any]]] = []
    for path in sorted(FIXTURES.glob("*.eml")):
        raw = path.read_bytes()
        work.append(("eml", path.name, lambda raw=raw: split_reply(parse(raw).text)))
    for path in sorted((FIXTURES / "replies").glob("*/*")):
        if path.suffix == ".txt":
            text = path.read_text(encoding="utf-8")
            work.append(("txt", path.name, lambda text=text: split_reply(text)))
        elif path.suffix == ".html":
            html = path.read_text(encoding="utf-8")
            work.append(("html", path.name,
                         lambda html=html: split_reply(html_to_text(html))))
    return work


def _exact() -> tuple[int, int, list[str]]:
    """(exact, cases, the names of those that differ) over the reply corpus."""
    from chalicelib.mail.html_text import html_to_text
    from chalicelib.mail.quotes import Reply, split_reply

    exact, total, wrong = 0, 0, []
    for expected_file in sorted((FIXTURES / "replies").glob("*/expected.json")):
        folder = expected_file.parent
        for name, spec in json.loads(expected_file.read_text(encoding="utf-8")).items():
            total += 1
            text_file, html_file = folder / f"{name}.txt", folder / f"{name}.html"
            text = (text_file.read_text(encoding="utf-8") if text_file.exists()
                    else html_to_text(html_file.read_text(encoding="utf-8")))
            if split_reply(text) == Reply(spec["reply"], spec["signature"]):
                exact += 1
            else:
                wrong.append(f"{folder.name}/{name}")
    return exact, total, wrong


def run() -> dict[str, Any]:
    from chalicelib.mail.quotes import split_reply

    work = _corpus()
    for _, _, one in work:  # warm: the expressions compile on first use
        one()
    passes, eml_passes = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        for _, _, one in work:
            one()
        passes.append(time.perf_counter() - began)
        began = time.perf_counter()
        for _, _, one in (w for w in work if w[0] == "eml"):
            one()
        eml_passes.append(time.perf_counter() - began)
    seconds = statistics.median(passes)
    kinds = {kind: sum(1 for k, _, _ in work if k == kind) for kind in ("eml", "txt", "html")}
    exact, total, wrong = _exact()

    shapes = []
    for name, what, unit in SHAPES:
        text = _shape_text(name, unit)
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            split_reply(text)
            times.append(time.perf_counter() - began)
        shapes.append({"shape": name, "what": what, "bytes": len(text.encode()),
                       "lines": text.count("\n") + 1,
                       "ms": round(1000 * statistics.median(times), 1)})

    per_second = round(len(work) / seconds, 1)
    failed = [x for x, bad in (
        (f"{per_second} messages per second, under {FLOOR}", per_second < FLOOR),
        (f"corpus cases not exact: {wrong}", bool(wrong)),
    ) if bad]
    return {"messages": len(work), "kinds": kinds, "runs": RUNS,
            "seconds": round(seconds, 4), "messages_per_second": per_second,
            "ms_per_message": round(1000 * seconds / len(work), 3),
            "eml_per_second": round(kinds["eml"] / statistics.median(eml_passes), 1),
            "exact": exact, "cases": total, "shapes": shapes, "failed": failed}


def replies_section(figures: dict[str, Any]) -> list[str]:
    kinds = figures["kinds"]
    over = [s["shape"] for s in figures["shapes"] if s["ms"] >= TARGET_MS]
    lines = [
        "",
        REPLIES_HEADING,
        "",
        "`mail.parse.parse` + `mail.quotes.split_reply` (the reply, its signature apart) in"
        " one process on this project's 2-core machine, no AWS. The corpus is every message"
        f" we keep: {kinds['eml']} whole `.eml` messages of tests/fixtures/mail/ (parsed"
        f" first) and the {kinds['txt'] + kinds['html']} cases of the reply corpus"
        f" (tests/fixtures/mail/replies/, {kinds['html']} of them HTML, turned into text by"
        " `mail.html_text.html_to_text` first, as inbound mail does). Median of"
        f" {figures['runs']} passes over all {figures['messages']} messages.",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| messages per second over the corpus (at least {FLOOR}) |"
        f" {figures['messages_per_second']} |",
        f"| per message | {figures['ms_per_message']} ms |",
        f"| the {kinds['eml']} whole `.eml` messages alone, per second (MIME parsing"
        f" included) | {figures['eml_per_second']} |",
        f"| reply corpus cases exact (reply and signature) | {figures['exact']} of"
        f" {figures['cases']} |",
        "",
        f"1 MB messages (`split_reply` alone, the median of {figures['runs']} calls; the"
        f" target is under {TARGET_MS} ms):",
        "",
        "| shape | what it is | lines | ms |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {s['shape']} | {s['what']} | {s['lines']:,} | {s['ms']} |"
              for s in figures["shapes"]]
    lines += [
        "",
        "Every line is looked at once with string methods; the expressions run only on the"
        " lines that start or end like a header, separator, footer or marker, and the"
        " search stops where the history starts. So a long quoted history costs little, and"
        " the cost grows with the number of lines that look like headers and with the number"
        " of lines, linearly (docs/decisions.md). "
        + ("Over the target: " + ", ".join(
            f"{s['shape']} ({1000 * s['ms'] / s['lines']:.1f} µs a line over"
            f" {s['lines']:,} lines)" for s in figures["shapes"] if s["shape"] in over)
           + ": what Python pays for every line, however little is done with it." if over
           else "Every shape is under the target."),
        "",
        "This part alone: `.venv/bin/python -m bench replies` (rewrites only this section)"
        " or `.venv/bin/python -m bench.replies` (prints the figures as JSON).",
    ]
    return lines


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
