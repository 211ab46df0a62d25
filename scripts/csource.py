"""csource.py - the little C lexing the checking scripts share
(check-function-length, check-prototypes): comments, literals and
preprocessor lines blanked out (line numbers kept), then identifiers and
single punctuation characters with their line numbers.  Not a C parser:
enough to find file-level braces, parentheses and semicolons."""
import os
import re

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def blank(text):
    """Return text with comments, literals and preprocessor lines replaced
    by spaces, newlines kept, so line numbers stay and braces inside them
    are not seen."""
    out = []
    i, n = 0, len(text)
    line_start = True  # only whitespace so far on this line
    while i < n:
        c = text[i]
        if line_start and c == "#":
            # A directive runs to an unescaped newline.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        if c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        if c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            line_start = False
            continue
        out.append(c)
        if c == "\n":
            line_start = True
        elif not c.isspace():
            line_start = False
        i += 1
    return "".join(out)


def tokens(text):
    """Yield (token, line) for identifiers and single punctuation chars."""
    line = 1
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        else:
            m = IDENT.match(text, i)
            if m:
                yield m.group(0), line
                i = m.end()
            else:
                yield c, line
                i += 1


def matching_open(toks, j):
    """Index of the '(' matching the ')' at toks[j], or None."""
    depth = 0
    while j >= 0:
        t = toks[j][0]
        if t == ")":
            depth += 1
        elif t == "(":
            depth -= 1
            if depth == 0:
                return j
        elif t in (";", "{", "}"):
            return None
        j -= 1
    return None


def sources(paths):
    """The .c and .h files of each path: a file, or a directory with its
    subdirectories (preload/ has one per layer)."""
    for p in paths:
        if os.path.isdir(p):
            for top, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith((".c", ".h")):
                        yield os.path.join(top, name)
        else:
            yield p
