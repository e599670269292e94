"""推进会议: a record of a promotion meeting, the measures and problems it discussed, what it decided."""
