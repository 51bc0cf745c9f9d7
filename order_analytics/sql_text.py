"""SQL as text: a string literal, and a script split into statements as Flink's SQL client splits it."""
from __future__ import annotations


def sql_string(text: str) -> str:
    """A SQL string literal: quotes doubled, so a value from config cannot end it early."""
    return "'" + text.replace("'", "''") + "'"


def statements(script: str) -> list[str]:
    """Split a script into statements the way Flink's SQL client does: at a ';' that ends a line.

    An `EXECUTE STATEMENT SET BEGIN ... END;` block stays one statement.
    """
    result, current, in_set = [], [], False
    for line in script.splitlines():
        code = line.strip()
        if not current and (not code or code.startswith("--")):
            continue  # comments between statements are for readers of the script
        current.append(line)
        if code.upper().startswith("EXECUTE STATEMENT SET"):
            in_set = True
        if code.endswith(";") and not code.startswith("--") and (not in_set or code.upper() == "END;"):
            result.append("\n".join(current).rstrip().rstrip(";"))
            current, in_set = [], False
    if any(line.strip() and not line.strip().startswith("--") for line in current):
        result.append("\n".join(current))
    return result
