# Chart of `make bench` (bench/report.py runs it):
#   gnuplot -e "dir='build/bench'; n=3; png='build/bench/results.png'" bench/results.gp
# dir/chart-METRIC.dat: a row per case, guest RAM first (ram_rows of them:
# one and two vCPUs for the throughputs, one for the rest), a column per
# QEMU (n of them). Six panels, log scale, one cluster of bars per case,
# one bar per QEMU; guest RAM on a grey ground.
set terminal pngcairo size 1800,1050 font ",10"
set output png
set datafile separator "\t"
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
set logscale y
set grid ytics mytics
set key top right
set xtics rotate by -30 nomirror
set linetype 1 lc rgb "#1f77b4"
set linetype 2 lc rgb "#ff7f0e"
set linetype 3 lc rgb "#2ca02c"
ram(rows) = sprintf("set object 1 rect from -0.5, graph 0 to %g, graph 1 behind fc rgb '#e0e0e0' fs solid noborder", rows - 0.5)
set multiplot layout 2,3 title "qemu-cxl bench: CXL region vs guest RAM (grey), one boot per QEMU, TCG, log scales. No bar: the case failed, read back wrong data or was not on its NUMA node. 'kmem': region onlined as system RAM." font ",12"
eval ram(2)
set ylabel "MB/s"
set title "Sequential 8-byte stores (higher is better)"
plot for [i=2:n+1] dir.'/chart-write_MBps.dat' using i:xtic(1) title columnheader(i)
set title "Sequential 8-byte loads (higher is better)"
plot for [i=2:n+1] dir.'/chart-read_MBps.dat' using i:xtic(1) title columnheader(i)
set title "memcpy, bytes copied (higher is better)"
plot for [i=2:n+1] dir.'/chart-memcpy_MBps.dat' using i:xtic(1) title columnheader(i)
set title "First store pass: first touch of host pages (higher is better)"
plot for [i=2:n+1] dir.'/chart-write_cold_MBps.dat' using i:xtic(1) title columnheader(i)
eval ram(1)
set ylabel "ns per load"
set title "Random dependent 8-byte loads (lower is better)"
plot for [i=2:n+1] dir.'/chart-lat_ns.dat' using i:xtic(1) title columnheader(i)
set ylabel "ns per loop iteration"
set title "Code copied there and run (lower is better)"
plot for [i=2:n+1] dir.'/chart-exec_ns.dat' using i:xtic(1) title columnheader(i)
unset multiplot
