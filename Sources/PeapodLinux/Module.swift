// PeapodLinux
