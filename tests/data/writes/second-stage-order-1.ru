# Violation: a sixth stage of the MedInzh platform that claims stage order 1, which
# stage:medinzh-platform-1 already has (ckgsh:ProductionStageShape-uniqueOrder).
PREFIX ckg:  <https://w3id.org/clusterkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX plat: <https://w3id.org/clusterkg/id/platform/>
PREFIX syn:  <https://w3id.org/clusterkg/synthetic/id/>
INSERT DATA {
    GRAPH <https://w3id.org/clusterkg/synthetic/graph/writes> {
        syn:extra-stage a ckg:ProductionStage ; ckg:synthetic true ;
            rdfs:label "an extra stage (synthetic)"@en ;
            ckg:stageOf plat:medinzh-x-ray-endovascular-devices ;
            ckg:stageOrder 1 .
    }
}
