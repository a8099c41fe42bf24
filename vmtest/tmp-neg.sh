#!/bin/sh
case $1 in
panic) echo before panic; echo c > /proc/sysrq-trigger ;;
hang) echo hanging; sleep 1000 ;;
oops) echo quiet ;;
esac
