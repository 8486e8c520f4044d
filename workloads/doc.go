// Package workloads holds the client operation generators (register,
// counter, set, list-append) and the Porcupine models that check them.
//
// workloads must never import harness, nemesis, results or cmd: a model must
// be usable on a history file written by anyone.
package workloads
