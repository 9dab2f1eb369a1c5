"""Remove what a PDF can *do* when opened, keeping what it shows (issue 12, "Active content").

An enclosure comes from outside (a patient portal download, a fax server, an email) and goes
out again to a Medicare contractor inside the packet. Nothing in it may run or open anything
there: document and page open actions (/OpenAction, /AA), JavaScript (the /JavaScript name
tree, /JS, JavaScript actions), Launch and other program- or file-opening actions, XFA forms,
and embedded files (the /EmbeddedFiles name tree, file-attachment annotations). URI links
and in-document GoTo links stay. Runs when an enclosure is stored and again on every packet.
"""

from __future__ import annotations

import io

import pikepdf

__all__ = ["strip_active_content"]

# Action types (ISO 32000-1 §12.6.4) that run code, open or submit files, or play media.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToE",
        "/GoToR",
        "/Rendition",
        "/RichMediaExecute",
        "/Movie",
        "/Sound",
    }
)
# Keys removed from every dictionary: additional (event) actions and bare scripts.
_ALWAYS_REMOVED = ("/AA", "/JS")
# Annotations whose whole purpose is to carry a file or play content.
_ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})


def strip_active_content(data: bytes) -> bytes:
    """The same PDF with every active element removed.

    A file with nothing to remove is returned byte for byte (an enclosure is evidence: it is
    kept as received when that is safe). Otherwise it is rewritten; qpdf writes only what
    the remaining objects reach, so removed scripts and attachments leave no orphans.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        removed = 0
        root = pdf.Root
        removed += _delete(root, "/OpenAction", "/AA")
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            removed += _delete(names, "/JavaScript", "/EmbeddedFiles")
        acroform = root.get("/AcroForm")
        if isinstance(acroform, pikepdf.Dictionary):
            removed += _delete(acroform, "/XFA")
        for page in pdf.pages:
            removed += _drop_active_annotations(page.obj)
        for obj in pdf.objects:
            removed += _clean(obj, depth=0)
        if not removed:
            return data
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _delete(obj, *keys: str) -> int:
    present = [key for key in keys if key in obj]
    for key in present:
        del obj[key]
    return len(present)


def _drop_active_annotations(page: pikepdf.Dictionary) -> int:
    annots = page.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return 0
    kept = [a for a in annots if not _is_active_annotation(a)]
    if len(kept) != len(annots):
        page["/Annots"] = pikepdf.Array(kept)
    return len(annots) - len(kept)


def _is_active_annotation(annot) -> bool:
    return isinstance(annot, pikepdf.Dictionary) and str(annot.get("/Subtype")) in (
        _ACTIVE_ANNOTATIONS
    )


def _is_active_action(action) -> bool:
    """An action, or any action chained after it (/Next), that is not allowed."""
    seen = 0
    pending = [action]
    while pending and seen < 64:  # /Next may form a cycle in a hostile file
        item = pending.pop()
        seen += 1
        if isinstance(item, pikepdf.Array):
            pending.extend(item)
        elif isinstance(item, pikepdf.Dictionary):
            if str(item.get("/S")) in _ACTIVE_ACTIONS:
                return True
            if "/Next" in item:
                pending.append(item["/Next"])
    return bool(pending)  # a chain too long to check is treated as active


def _clean(obj, depth: int) -> int:
    """Strip active keys from a dictionary and the direct objects inside it; count removals.

    Indirect children are objects of their own: ``pdf.objects`` reaches them separately.
    """
    if depth > 32:
        return 0
    removed = 0
    if isinstance(obj, pikepdf.Array):
        for item in obj:
            if _direct_container(item):
                removed += _clean(item, depth + 1)
        return removed
    if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return 0
    removed += _delete(obj, *_ALWAYS_REMOVED)
    # Children first: a web link whose chained /Next runs a script loses only the /Next.
    for key in list(obj.keys()):
        value = obj[key]
        if _direct_container(value):
            removed += _clean(value, depth + 1)
    for key in ("/A", "/Next", "/OpenAction"):
        if key in obj and _is_active_action(obj[key]):
            del obj[key]
            removed += 1
    return removed


def _direct_container(value) -> bool:
    # pikepdf hands numbers and booleans back as Python objects: only containers can nest.
    return isinstance(value, pikepdf.Array | pikepdf.Dictionary) and not value.is_indirect
