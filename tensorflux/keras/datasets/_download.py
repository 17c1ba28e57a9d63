"""Finding a data set's files: Keras' cache, the system data folder, then a checked download.

Each loader lists *candidates* in search order: a path (a file or a folder) and a function
that reads it. A candidate that does not exist is noted and skipped. One that exists is read;
if it fails its checksum or cannot be parsed, it is *rejected* (not used; the reason is
noted, with a warning) and the search goes on. Last comes the download from Keras' canonical
URL into Keras' cache, with the same checksum as Keras (written to a temporary file, checked,
then renamed, so a partial download never takes the cache file's place). When everything
fails, the error lists every place searched with what was wrong there, the URL, and how to
provide the files by hand.
"""
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import warnings

from tensorflux.keras.datasets._idx import (DatasetFileError, DatasetNotFoundError,
                                            keras_cache_dir)

__all__ = ["Candidate", "Download", "load_first", "file_hash", "check_hash", "fetch",
           "keras_cache_dir", "DatasetFileError", "DatasetNotFoundError"]

# Seconds without data before a download is abandoned.
DOWNLOAD_TIMEOUT = 60


class Candidate:
    """A place to look: `path` (file or folder), read by `read(path)`.

    Args:
        path: where to look.
        read: a function of the path returning the data; it raises DatasetFileError
            (or ValueError) when the content is not right.
        expected_hash: Keras' sha256 (64 hex digits) or md5 (32) of the file, checked
            before `read` is called; None for folders and files without a known hash.
    """

    def __init__(self, path, read, expected_hash=None):
        self.path = os.fspath(path)
        self.read = read
        self.expected_hash = expected_hash


class Download:
    """The last resort: fetch `url` into `path` (in Keras' cache), check it, then read it."""

    def __init__(self, url, path, expected_hash, read):
        self.url = url
        self.path = os.fspath(path)
        self.expected_hash = expected_hash
        self.read = read


def hash_algorithm(expected_hash):
    """Keras' rule: a 64-character hash is sha256, anything else md5."""
    return "sha256" if len(expected_hash) == 64 else "md5"


def file_hash(path, algorithm="sha256", chunk_size=1 << 20):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path, expected_hash):
    """Raises DatasetFileError if the file's sha256/md5 is not `expected_hash`."""
    algorithm = hash_algorithm(expected_hash)
    found = file_hash(path, algorithm)
    if found != expected_hash.lower():
        size = os.path.getsize(path)
        raise DatasetFileError(
            f"{path}: {algorithm} checksum mismatch (expected {expected_hash}, got {found}; "
            f"{size} bytes): the file is truncated, damaged or not the expected file")


def fetch(url, path, expected_hash, timeout=None):
    """Downloads `url` to `path`, replacing it only if the download has `expected_hash`.

    Raises:
        OSError (urllib.error.URLError included): the download failed.
        DatasetFileError: the downloaded file fails its checksum (it is deleted).
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".download-",
                                     suffix="-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle, urllib.request.urlopen(
                url, timeout=timeout or DOWNLOAD_TIMEOUT) as response:
            shutil.copyfileobj(response, handle, 1 << 20)
        try:
            check_hash(temporary, expected_hash)
        except DatasetFileError as error:
            raise DatasetFileError(f"the download from {url} failed its checksum: "
                                   f"{str(error).split(': ', 1)[1]}") from None
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def load_first(title, candidates, download, remedies=()):
    """Reads the first good candidate, else downloads; raises a full report otherwise.

    Args:
        title: the data set's name in messages, e.g. "CIFAR-10".
        candidates: `Candidate`s in search order.
        download: a `Download`, or None.
        remedies: extra sentences on how to provide the files.

    Raises:
        DatasetNotFoundError: nothing was found (and the download failed).
        DatasetFileError: copies were found but all were rejected (and the download
            failed).
    """
    searched, rejected = [], False
    for candidate in candidates:
        if not os.path.exists(candidate.path):
            searched.append((candidate.path, "not found"))
            continue
        try:
            if candidate.expected_hash is not None and os.path.isfile(candidate.path):
                check_hash(candidate.path, candidate.expected_hash)
            return candidate.read(candidate.path)
        except (DatasetFileError, ValueError) as error:
            rejected = True
            problem = _without_path(str(error), candidate.path)
            searched.append((candidate.path, "rejected, not used: " + problem))
            warnings.warn(f"{title}: {candidate.path} is not used: {problem}", stacklevel=3)
    if download is not None:
        try:
            fetch(download.url, download.path, download.expected_hash)
        except DatasetFileError as error:
            rejected = True
            searched.append((download.url, str(error)))
        except (OSError, ValueError) as error:   # URLError, timeouts, HTTP errors
            reason = error if isinstance(error, urllib.error.HTTPError) else \
                getattr(error, "reason", None) or error
            searched.append((download.url, f"download failed: {reason}"))
        else:
            return download.read(download.path)
    raise _report(title, searched, download, remedies, rejected)


def _without_path(message, path):
    prefix = path + ": "
    return message[len(prefix):] if message.startswith(prefix) else message


def _report(title, searched, download, remedies, rejected):
    verb = "could not be loaded" if rejected else "was not found"
    lines = [f"{title} {verb}. Places searched, in order:"]
    lines += [f"  - {place} ({problem})" for place, problem in searched]
    lines.append("To provide the files (nothing is downloaded once they are in place):")
    if download is not None:
        algorithm = hash_algorithm(download.expected_hash)
        lines.append(f"  - on a machine with internet access, download {download.url} "
                     f"({algorithm} {download.expected_hash}) and copy it to "
                     f"{download.path}")
    lines += ["  - " + remedy for remedy in remedies]
    if rejected:
        lines.append("  - delete or replace the rejected files listed above")
    error_type = DatasetFileError if rejected else DatasetNotFoundError
    return error_type("\n".join(lines))
