# Violation: two stages of one synthetic value chain that both claim stage order 1
# (ckgsh:ProductionStageShape-uniqueOrder).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:ordered-chain a ckg:ValueChain ; ckg:synthetic true ;
            rdfs:label "an ordered value chain (synthetic)"@en , "упорядоченная цепочка (синтетическая)"@ru .
        syn:first-stage a ckg:ProductionStage ; ckg:synthetic true ;
            rdfs:label "the first stage (synthetic)"@en , "первый передел (синтетический)"@ru ;
            ckg:stageOf syn:ordered-chain ;
            ckg:stageOrder 1 .
        syn:extra-stage a ckg:ProductionStage ; ckg:synthetic true ;
            rdfs:label "an extra stage (synthetic)"@en , "лишний передел (синтетический)"@ru ;
            ckg:stageOf syn:ordered-chain ;
            ckg:stageOrder 1 .
    }
}
