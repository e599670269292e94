"""Reform items (改革事项) as a declared record: 营商办 classes them (分类推进) through the engine."""
