# SPDX-License-Identifier: GPL-2.0-only
#
# scripts/bench-detect.sh's table.  Input rows:
#   name seeds lf_secs,... lf_execs,... afl_secs afl_execs check soak explore
# ("-": not found).  Variables: cap, runs, date, cores, dat (the data
# file for the chart: "libfuzzer|afl|explore SECONDS FOUND_SO_FAR" and
# "unfound NAME": found by no fuzzing engine).

function inf(x) { return x == "-" ? 1e9 : x + 0 }
function at_least(x) { return x < 0.1 ? 0.1 : x }
function shown(x) { return x >= 1e9 ? "-" : sprintf("%.1f", x) }

# sorted(list, out): the numbers of a comma list, ascending; returns n.
function sorted(list, out,    n, i, j, t) {
    n = split(list, out, ",")
    for ( i = 1; i <= n; i++ )
        out[i] = inf(out[i])
    for ( i = 2; i <= n; i++ )
        for ( j = i; j > 1 && out[j - 1] > out[j]; j-- ) {
            t = out[j]; out[j] = out[j - 1]; out[j - 1] = t
        }
    return n
}

# The median of a column of found times, for the summary.
function median(a, n,    i, j, t) {
    for ( i = 2; i <= n; i++ )
        for ( j = i; j > 1 && a[j - 1] > a[j]; j-- ) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 1e9
}

BEGIN {
    printf "# make bench-detect (%s, %s cores): cap %s s; libFuzzer %d runs\n", \
        date, cores, cap, runs
    printf "# (-seed=1..%d, median and max), AFL++ 1 run; seeds that expose the\n", runs
    printf "# variant removed first; check: '=' the one its patch expects;\n"
    printf "# soak: inputs with a finding in the generator's 200,000 ops;\n"
    printf "# explore: seconds to the small-scope explorer's first finding\n"
    printf "%-30s %5s %12s %8s %10s %8s %10s %-24s %5s %s\n", "variant", "seeds", \
        "lf median s", "lf max s", "lf execs", "afl s", "afl execs", "check", \
        "soak", "explore"
    printf "" >dat
}

{
    n = sorted($3, t)
    split($4, ex, ",")
    found = 0
    for ( i = 1; i <= n; i++ )
        found += t[i] < 1e9
    med = t[int((n + 1) / 2)]
    # The execs of the run whose time is the median.
    split($3, raw, ",")
    mex = "-"
    for ( i = 1; i <= n; i++ )
        if ( inf(raw[i]) == med && med < 1e9 )
            mex = ex[i]
    afl = inf($5)
    printf "%-30s %5s %8s %d/%d %8s %10s %8s %10s %-24s %5s %s\n", $1, $2, \
        shown(med), found, n, shown(t[n]), mex, shown(afl), $6, $7, $8, \
        shown(inf($9))
    variants++
    if ( med < 1e9 )
        lf[++nlf] = med
    if ( afl < 1e9 )
        af[++naf] = afl
    if ( inf($9) < 1e9 )
        xp[++nxp] = inf($9)
    if ( med >= 1e9 && afl >= 1e9 )
        unfound[++nun] = $1
}

END {
    printf "\n%-10s %6s %10s %10s\n", "engine", "found", "median s", "max s"
    printf "%-10s %3d/%-2d %10s %10s\n", "libfuzzer", nlf, variants, \
        shown(median(lf, nlf)), shown(nlf ? lf[nlf] : 1e9)
    printf "%-10s %3d/%-2d %10s %10s\n", "afl", naf, variants, \
        shown(median(af, naf)), shown(naf ? af[naf] : 1e9)
    printf "%-10s %3d/%-2d %10s %10s\n", "explore", nxp, variants, \
        shown(median(xp, nxp)), shown(nxp ? xp[nxp] : 1e9)
    # median() sorted the columns: the chart's steps (a log axis: at
    # least 0.1 s).
    for ( i = 1; i <= nlf; i++ )
        printf "libfuzzer %s %d\n", at_least(lf[i]), i >>dat
    for ( i = 1; i <= naf; i++ )
        printf "afl %s %d\n", at_least(af[i]), i >>dat
    for ( i = 1; i <= nxp; i++ )
        printf "explore %s %d\n", at_least(xp[i]), i >>dat
    printf "\nnot found by either engine in the cap: %d\n", nun
    for ( i = 1; i <= nun; i++ )
        printf "unfound %s\n", unfound[i] >>dat
}
