"""People's rights over their data: pseudonyms of erased numbers, access, erasure, retention."""
