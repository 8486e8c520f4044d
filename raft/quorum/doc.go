// Package quorum is the majority arithmetic of Raft: given which voters
// acknowledged what, it answers "which log index does a majority hold?" and
// "has this election been won, lost, or is it still open?".
//
// It knows nothing about messages, terms or logs; it only counts. Keeping the
// counting separate makes the rules easy to test on their own. Joint
// consensus (§6 of the Raft paper), where a decision needs a majority of two
// configurations at once, is JointConfig, built from two MajorityConfigs.
//
// This package must never import anything else of the project; it sits at the
// bottom of raft's import graph (raft -> tracker -> quorum).
package quorum
