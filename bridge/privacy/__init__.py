"""The privacy gate for anonymised logs and the anonymiser that fixes what it finds."""
