#!/bin/sh
cat /proc/uptime
dmesg | awk '{t=substr($0,2,12)+0; if (t-p > 0.05) print "GAP", t-p; p=t; print}' | grep -B1 -A0 GAP | head -80
