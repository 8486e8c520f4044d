// Package results writes and reads the store on disk: results.json, history
// files, the HTML report, the store's index, and the HTTP server that
// browses it.
//
// results may import checker; it must never import harness, nemesis or cmd.
package results
