"""Render many certificates into print-ready PDFs with flat memory.

Contract: the caller hands over an iterable of *chunks* (lists of :class:`CertificateView`, produced lazily,
e.g. from the database page by page) whose fonts it has already checked. Each chunk becomes one
multi-page document (one shared ``FontConfiguration`` per process, PERFORMANCE-NOTES), written to a file
in ``work_dir``; the chunk files are then joined into PDFs of at most ``part_size`` certificates.

Why chunks: a WeasyPrint document's memory grows with its pages (≈ 410 MB at 500 pages), a chunk's does
not. Why workers: layout is pure Python, so with ``workers`` > 1 chunks are laid out in that many spawned
processes (each ≈ 200 MB at most) while this process only writes files; at most ``2 × workers`` chunks
are in flight, so a huge batch never sits in memory. Why parts: joining PDFs (pypdf) costs memory in
proportion to the pages joined, so one PDF holds at most ``part_size`` certificates.

No Flask, no database: also used by ``bench/bench_certificates.py``.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation import printing

DEFAULT_CHUNK_SIZE = 50
DEFAULT_PART_SIZE = 1000


@dataclass(frozen=True)
class RenderedParts:
    """The PDFs written (``paths``, in print order), with how many certificates and pages each holds."""

    paths: tuple[Path, ...]
    certificates: tuple[int, ...]
    pages: int


_worker_guilloche: str | None = None


def _init_worker(guilloche_uri: str) -> None:
    global _worker_guilloche
    _worker_guilloche = guilloche_uri


def _render_chunk(views: Sequence[printing.CertificateView]) -> bytes:
    # The parent checked the fonts of these views; a worker never loads the font's cmap (≈ 50 MB).
    return printing.render_certificates(views, check_fonts=False, guilloche_uri=_worker_guilloche)


def default_workers() -> int:
    """Two worker processes on a machine with two or more cores, else none (render in this process)."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def render_in_parts(chunks: Iterable[Sequence[printing.CertificateView]], work_dir: Path, *,
                    name: str = "certificates", part_size: int = DEFAULT_PART_SIZE, workers: int = 1,
                    progress: Callable[[int], Any] | None = None) -> RenderedParts:
    """Render every chunk, in order, and join them into ``work_dir/<name>-<n>.pdf`` parts of at most
    ``part_size`` certificates (a chunk is never split: keep ``part_size`` a multiple of the chunk size).

    ``progress(count)`` is called in this process after each chunk, in order, with the number of
    certificates it held. ``workers`` ≤ 1 renders in this process. Raises what the renderer raises
    (LayoutOverflowError, ValueError); chunk files are removed whatever happens.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    chunk_files: list[tuple[Path, int, int]] = []   # file, certificates, pages
    try:
        for index, (pdf, count, pages) in enumerate(_rendered(chunks, workers)):
            path = work_dir / f".{name}-chunk-{index:05d}.pdf"
            path.write_bytes(pdf)
            chunk_files.append((path, count, pages))
            if progress is not None:
                progress(count)
        return _join(chunk_files, work_dir, name, part_size)
    finally:
        for path, _count, _pages in chunk_files:
            path.unlink(missing_ok=True)


def _rendered(chunks: Iterable[Sequence[printing.CertificateView]], workers: int):
    """(pdf bytes, certificates, pages) per chunk, in order, with bounded work in flight."""
    if workers <= 1:
        for chunk in chunks:
            views = list(chunk)
            yield _render_chunk_here(views), len(views), sum(v.page_count for v in views)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(printing.guilloche_data_uri(),)) as pool:
        pending: deque = deque()
        for chunk in chunks:
            views = list(chunk)
            pending.append((pool.apply_async(_render_chunk, (views,)), len(views),
                            sum(v.page_count for v in views)))
            while len(pending) >= 2 * workers:
                result, count, pages = pending.popleft()
                yield result.get(), count, pages
        while pending:
            result, count, pages = pending.popleft()
            yield result.get(), count, pages


def _render_chunk_here(views: Sequence[printing.CertificateView]) -> bytes:
    return printing.render_certificates(views, check_fonts=False)


def _join(chunk_files: list[tuple[Path, int, int]], work_dir: Path, name: str, part_size: int) -> RenderedParts:
    from pypdf import PdfWriter

    groups: list[list[tuple[Path, int, int]]] = [[]]
    for item in chunk_files:
        if groups[-1] and sum(count for _p, count, _g in groups[-1]) + item[1] > part_size:
            groups.append([])
        groups[-1].append(item)
    paths, counts = [], []
    for number, group in enumerate(g for g in groups if g):
        target = work_dir / f"{name}-{number + 1}.pdf"
        if len(group) == 1:
            group[0][0].replace(target)
        else:
            writer = PdfWriter()
            for path, _count, _pages in group:
                writer.append(str(path))
            with target.open("wb") as handle:
                writer.write(handle)
            writer.close()
        paths.append(target)
        counts.append(sum(count for _p, count, _g in group))
    return RenderedParts(tuple(paths), tuple(counts), sum(pages for _p, _c, pages in chunk_files))
