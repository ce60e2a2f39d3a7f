-- One level's served ranker and snapshot.
INSERT INTO engine_state VALUES ($as_of, $h, $level, $state)
