import Daemon
Daemon.main()
