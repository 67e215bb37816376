"""The papers' own files: a PDF kept under files/, named by citation key, the same bytes once.

A PDF arrives as chunks of bytes (an upload, a download, a file on disk). They go to a
temporary file in the files folder, hashed on the way; only a readable PDF is linked into
place under its final name, inside the write transaction that records it, so a reader
never sees half a file and the table never names a file that is not there.
"""

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass

from papershelf.server import pdftext, store

MAX_PDF_BYTES = 200 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+@-]")


class FileRefused(store.StoreError):
    """The bytes cannot be stored as this paper's PDF; the message says why, for the reader."""


class TooLarge(FileRefused):
    """The PDF is larger than the limit."""


@dataclass
class SavedFile:
    status: str  # created | unchanged
    file: dict  # the public file object (store.FILE_FIELDS)
    paper: dict  # the paper, with its files
    file_id: int  # the files table's id


def save_pdf(db, paper_id, chunks, url=None, limit=MAX_PDF_BYTES):
    """Store the PDF made of chunks (bytes) as a file of the paper; return a SavedFile.

    None when there is no such paper. Raises FileRefused when the bytes are not a
    readable PDF, are over limit, or are already the PDF of another paper.
    """
    folder = store.files_dir(db)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".incoming-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            size, digest = _copy(chunks, handle, limit)
        if size == 0:
            raise FileRefused("the file is empty (0 bytes)")
        try:
            info = pdftext.inspect(temporary)
        except pdftext.NotAPdf as error:
            raise FileRefused(str(error)) from None
        return _record(db, paper_id, temporary, size, digest, info, url)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def file_chunks(path):
    """Yield the bytes of the file at path in chunks (for save_pdf)."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _copy(chunks, handle, limit):
    """Write chunks to handle, stopping past limit; return (size, sha256 hex)."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the PDF is larger than {limit // (1024 * 1024)} MB")
        digest.update(chunk)
        handle.write(chunk)
    handle.flush()
    os.fsync(handle.fileno())
    return size, digest.hexdigest()


def _record(db, paper_id, temporary, size, digest, info, url):
    folder = store.files_dir(db)
    with store.write_transaction(db):
        paper = store.get_paper(db, paper_id)
        if paper is None:
            return None
        same = db.execute(
            "select files.id, files.paper_id, files.path, papers.citekey from files join papers"
            " on papers.id = files.paper_id where sha256 = ?", [digest]).fetchone()
        if same is not None and same[1] != paper_id:
            raise FileRefused(f"this PDF is already stored as the file of {same[3]}")
        if same is not None:
            stored = next(f for f in paper["files"] if f["path"] == str(folder / same[2]))
            return SavedFile("unchanged", stored, paper, same[0])
        name = _place(db, folder, temporary, paper["citekey"])
        try:
            file_id = db.execute(
                "insert into files (paper_id, kind, path, size, sha256, pages, added_at, text, url)"
                " values (?, 'pdf', ?, ?, ?, ?, ?, ?, ?)",
                [paper_id, name, size, digest, info.pages, store.now(),
                 "encrypted" if info.encrypted else "pending", url]).lastrowid
        except BaseException:
            os.unlink(folder / name)
            raise
    paper = store.get_paper(db, paper_id)
    return SavedFile("created", next(f for f in paper["files"] if f["path"] == str(folder / name)),
                     paper, file_id)


def _place(db, folder, temporary, citekey):
    """Link the temporary file into folder under the first free name for citekey; return it."""
    stem = _UNSAFE_NAME.sub("_", citekey).strip(".") or "paper"
    for number in range(1, 1000):
        name = f"{stem}.pdf" if number == 1 else f"{stem}-{number}.pdf"
        if db.execute("select 1 from files where path = ?", [name]).fetchone():
            continue
        try:
            _link_or_copy(temporary, folder / name)
            return name
        except FileExistsError:
            continue  # a file no row names (left by hand, or by another library): keep it
    raise FileRefused(f"no free file name for {citekey} in {folder}")


def _link_or_copy(source, target):
    """Give source the name target, never replacing a file there (FileExistsError if one is)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT): copy into a new file instead
        with open(source, "rb") as reader, open(target, "xb") as writer:
            while chunk := reader.read(CHUNK_BYTES):
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
