package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// workflowSteps reads the run: lines of every job's steps.
func workflowSteps(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Steps []struct {
				Run  string `yaml:"run"`
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(b, &wf), "the workflow is valid YAML")
	require.Contains(t, wf.On, "schedule", "it runs nightly")
	var runs []string
	for _, name := range []string{"soak", "summarize"} {
		job, ok := wf.Jobs[name]
		require.True(t, ok, "job %s", name)
		for _, s := range job.Steps {
			if s.Run != "" {
				runs = append(runs, s.Run)
			}
		}
	}
	return runs
}

var (
	raftcheckCall = regexp.MustCompile(`\./raftcheck (\S+)(.*)`)
	githubExpr    = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
)

// TestNightlyWorkflowNamesOnlyCommandsThatExist runs every raftcheck
// command the nightly workflow names, with its arguments made small: the
// soak shards run a handful of seeds into a temporary directory, and
// summarize merges what they wrote.
func TestNightlyWorkflowNamesOnlyCommandsThatExist(t *testing.T) {
	dir := t.TempDir()
	known := map[string]bool{}
	for _, c := range commands() {
		known[c.name] = true
	}
	called := map[string]bool{}
	for _, run := range workflowSteps(t, filepath.Join("..", "..", ".github", "workflows", "nightly.yml")) {
		if strings.HasPrefix(run, "go build") {
			assert.Equal(t, "go build -o raftcheck ./cmd/raftcheck", run)
			continue
		}
		m := raftcheckCall.FindStringSubmatch(run)
		require.NotNil(t, m, "step %q runs raftcheck", run)
		cmd := m[1]
		require.True(t, known[cmd], "raftcheck %s exists", cmd)
		called[cmd] = true
		// The matrix and environment expressions become plain words
		// before the line is split.
		line := githubExpr.ReplaceAllString(m[2], "1")
		line = strings.NewReplacer(`"$SEEDS"`, "4", "$SHARDS", "1").Replace(line)
		args := small(t, strings.Fields(line), dir)
		switch cmd {
		case "soak":
			for _, shard := range []string{"1/2", "2/2"} {
				a := append([]string{cmd}, replaceShard(args, shard, dir)...)
				code, stdout, stderr := runCLI(t, a...)
				require.Equal(t, exitValid, code, "%v: %s%s", a, stdout, stderr)
			}
		case "summarize":
			code, stdout, stderr := runCLI(t, append([]string{cmd}, args...)...)
			require.Equal(t, exitValid, code, "%s%s", stdout, stderr)
			assert.Contains(t, stdout, "4 runs over 2 summaries")
		}
	}
	assert.True(t, called["soak"] && called["summarize"])
}

// small rewrites a workflow command's arguments for a test: few seeds,
// short runs, outputs in dir.
func small(t *testing.T, args []string, dir string) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(args); i++ {
		a := strings.Trim(args[i], `"`)
		switch {
		case a == "--seeds":
			out = append(out, a, "4", "--time", "2s")
			i++
		case a == "--out":
			out = append(out, a, filepath.Join(dir, "SHARD"))
			i++
		case a == "shards/*":
			matches, err := filepath.Glob(filepath.Join(dir, "shard-*"))
			require.NoError(t, err)
			out = append(out, matches...)
		default:
			out = append(out, a)
		}
	}
	return out
}

func replaceShard(args []string, shard, dir string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == "--shard" && i+1 < len(out) {
			out[i+1] = shard
		}
		if strings.HasSuffix(a, "SHARD") {
			out[i] = filepath.Join(dir, "shard-"+strings.ReplaceAll(shard, "/", "of"))
		}
	}
	return out
}

// TestKubernetesJobRunsTheShardsFromItsIndex checks the Indexed Job example
// parses and runs raftcheck soak with the shard drawn from
// JOB_COMPLETION_INDEX.
func TestKubernetesJobRunsTheShardsFromItsIndex(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "soak-job.yaml"))
	require.NoError(t, err)
	var job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Template       struct {
				Spec struct {
					Containers []struct {
						Args []string `yaml:"args"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(b, &job))
	assert.Equal(t, "Job", job.Kind)
	assert.Equal(t, "Indexed", job.Spec.CompletionMode)
	require.Len(t, job.Spec.Template.Spec.Containers, 1)
	cmd := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
	assert.Contains(t, cmd, "raftcheck soak")
	assert.Contains(t, cmd, `--shard "$((JOB_COMPLETION_INDEX + 1))/8"`)
	assert.Equal(t, 8, job.Spec.Completions, "one pod per shard")
}
