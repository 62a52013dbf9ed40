# massif.awk - reads ms_print output and prints, for the peak snapshot, one
# markdown row per top-level allocation site: MB, share, and the chain of
# callers along its largest branch. Used by tests/bench/bench.sh.
/Detailed snapshots:/ { if (match($0, /[0-9]+ \(peak\)/)) { peak = substr($0, RSTART, RLENGTH); sub(/ .*/, "", peak) } next }
peak != "" && !inpeak && $1 == peak && $2 ~ /^[0-9,]+$/ { inpeak = 1; next }
inpeak && /^-----/ && started { done = 1 }
done { next }
inpeak && /^->/ {
	emit(); started = 1
	pc = $0; sub(/^->/, "", pc); sub(/%.*/, "%", pc)
	b = $0; sub(/^[^(]*\(/, "", b); sub(/B\).*/, "", b); gsub(/,/, "", b)
	chain = frame($0, 1); lastd = 1; collecting = 1; nframes = 1; next
}
inpeak && started && /->/ {
	d = index($0, "->")
	if (collecting && d == lastd + 2 && nframes < 9 && chain !~ /poller_cycle|main$/) { chain = chain " ← " frame($0); nframes++ } else collecting = 0
	lastd = d; next
}
END { emit() }
function frame(l, first,   f) {
	if (l ~ /below massif's threshold/) return "(smaller sites)"
	f = l; sub(/^[^:]*: /, "", f)
	if (f ~ /^\?\?\?/) { sub(/.*\//, "", f); sub(/\)$/, "", f); return "(" f ")" }
	if (!first) sub(/ \(.*/, "", f)
	return f
}
function emit() { if (chain != "") printf "| %.2f | %s | %s |\n", b / 1048576, pc, chain; chain = "" }
