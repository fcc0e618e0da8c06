"""Dataset versions: every committed write makes a new one (number, time, what changed, route),
kept as PROV-O in the version-log graph; with the managed engine, earlier versions stay
queryable for the retention policy (``CLUSTERKG_VERSION_RETENTION``)."""
