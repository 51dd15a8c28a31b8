"""The Qt desktop interface: wiring and widgets over core/ and storage/."""
