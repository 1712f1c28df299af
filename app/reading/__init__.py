"""Read positions: how far each person has read each thread, so their home can say what
is new and a long thread can open at the first post they have not read.

A position is the reader's own: it is in their export, goes with their account, and is
never shown to anyone else (no "seen" receipts)."""
