"""The lesson's business rules as plain Python (rules.py) and their PyFlink wrappers (functions.py)."""
