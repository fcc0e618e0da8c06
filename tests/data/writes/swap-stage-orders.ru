# Swap the stage orders of the first two stages of the MedInzh platform: two triples change
# together; either state is valid, a half-applied one would not be.
PREFIX ckg:   <https://w3id.org/clusterkg/ontology#>
PREFIX stage: <https://w3id.org/clusterkg/id/stage/>
DELETE {
    GRAPH ?g1 { stage:medinzh-platform-1 ckg:stageOrder ?a }
    GRAPH ?g2 { stage:medinzh-platform-2 ckg:stageOrder ?b }
}
INSERT {
    GRAPH ?g1 { stage:medinzh-platform-1 ckg:stageOrder ?b }
    GRAPH ?g2 { stage:medinzh-platform-2 ckg:stageOrder ?a }
}
WHERE {
    GRAPH ?g1 { stage:medinzh-platform-1 ckg:stageOrder ?a }
    GRAPH ?g2 { stage:medinzh-platform-2 ckg:stageOrder ?b }
}
