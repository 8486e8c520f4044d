// Package wal is the bundled Raft's write-ahead log format: how a node's
// HardState and log entries are laid out on disk, and how they are read back
// after a crash. It is a codec over byte slices and does no I/O itself, so
// the simulation's disk and a real file can both carry it.
//
// A WAL is a sequence of records, each
//
//	length  uint32, big-endian: the number of bytes of kind+payload
//	crc     uint32, big-endian: CRC-32C (Castagnoli) of kind+payload
//	kind    1 byte
//	payload length-1 bytes
//
// A crash can leave the last record torn (a prefix of it on disk). Decode
// stops at the first record that is incomplete, or that is the last and
// does not match its checksum, and reports how many bytes were whole, so the
// caller can cut the torn tail off: a torn record is discarded, never
// misread. Records are only ever appended, and a torn record is by
// construction the last one, so nothing valid is lost by stopping there.
//
// Corruption is not a torn tail. A torn write leaves a prefix of itself,
// perhaps followed by garbage to its length, so its first damaged record
// may look whole in length; but no whole, matching record can follow it.
// A record whose checksum does not match and that is followed by a whole
// record was damaged after it was written (a bit flip, a bad sector):
// cutting the log there would silently drop what the node synced after
// it, its votes and acknowledgements included. Decode refuses such a WAL
// with an error wrapping ErrCorrupt, and the node must stay down. (A flip
// in a record's length field moves where the next record would start, and
// reads as a torn tail: that damage is not told apart.)
//
// wal imports raft and nothing else of the project.
package wal
