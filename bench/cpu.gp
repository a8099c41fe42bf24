# Added CPU per event against event rate, one line per method: gnuplot -e "data='F'; out='F'".
set terminal svg size 720,420 dynamic font "sans,12"
set output out
set title "Added CPU per event (whole guest, timed from the host; TCG) against event rate"
set xlabel "events per second (achieved)"
set ylabel "added CPU per event (µs)"
set logscale x
set grid
set key top right
plot data using 1:($2/1000) with linespoints title "evtap (kernel program + collector)", \
     data using 1:($3/1000) with linespoints title "minimal evdev reader", \
     data using 1:($4/1000) with linespoints title "evtest > /dev/null"
