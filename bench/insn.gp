# Added instructions per event against event rate, one line per consumer:
# gnuplot -e "data='F'; out='F'".
set terminal svg size 720,420 dynamic font "sans,12"
set output out
set title "Added guest instructions per event (whole guest, TCG plugin) against event rate"
set xlabel "events per second (achieved)"
set ylabel "added instructions per event"
set logscale x
set grid
set key top right
plot data using 1:2 with linespoints title "evtap (kernel program + collector)", \
     data using 1:3 with linespoints title "minimal evdev reader", \
     data using 1:4 with linespoints title "evtest > /dev/null"
