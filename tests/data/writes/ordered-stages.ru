# Two ordered stages of a synthetic value chain (the swap test swaps their orders).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:swap-chain a ckg:ValueChain ; ckg:synthetic true ;
            rdfs:label "a value chain of two ordered stages (synthetic)"@en ,
                "цепочка из двух упорядоченных переделов (синтетическая)"@ru .
        syn:swap-stage-1 a ckg:ProductionStage ; ckg:synthetic true ;
            rdfs:label "stage A (synthetic)"@en , "передел А (синтетический)"@ru ;
            ckg:stageOf syn:swap-chain ; ckg:stageOrder 1 .
        syn:swap-stage-2 a ckg:ProductionStage ; ckg:synthetic true ;
            rdfs:label "stage B (synthetic)"@en , "передел Б (синтетический)"@ru ;
            ckg:stageOf syn:swap-chain ; ckg:stageOrder 2 .
    }
}
