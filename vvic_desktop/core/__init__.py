"""The pipeline without Qt: intake, prepare, align, group, quota, batch."""
