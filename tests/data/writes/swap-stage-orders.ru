# Swap the stage orders of the two stages of ordered-stages.ru: two triples change
# together; either state is valid, a half-applied one would not be.
PREFIX ckg:   <https://w3id.org/clusterkg/ontology#>
PREFIX syn:   <https://w3id.org/clusterkg/synthetic/id/>
DELETE {
    GRAPH ?g1 { syn:swap-stage-1 ckg:stageOrder ?a }
    GRAPH ?g2 { syn:swap-stage-2 ckg:stageOrder ?b }
}
INSERT {
    GRAPH ?g1 { syn:swap-stage-1 ckg:stageOrder ?b }
    GRAPH ?g2 { syn:swap-stage-2 ckg:stageOrder ?a }
}
WHERE {
    GRAPH ?g1 { syn:swap-stage-1 ckg:stageOrder ?a }
    GRAPH ?g2 { syn:swap-stage-2 ckg:stageOrder ?b }
}
