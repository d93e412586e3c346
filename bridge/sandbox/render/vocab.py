"""Vocabularies of the sandbox DataCite crosswalk: kernel-4.6 controlled lists and the DSpace values mapped to them."""

from __future__ import annotations

FUNDERS = {"EC": "European Commission", "ERC": "European Research Council", "AEI": "Agencia Estatal de Investigación"}

RESOURCE_TYPES = (  # noqa: SIM905 - a word list reads better than a column of strings
    "Audiovisual Award Book BookChapter Collection ComputationalNotebook ConferencePaper "
    "ConferenceProceeding DataPaper Dataset Dissertation Event Image Instrument InteractiveResource "
    "Journal JournalArticle Model OutputManagementPlan PeerReview PhysicalObject Preprint Project Report "
    "Service Software Sound Standard StudyRegistration Text Workflow Other"
).split()
# DSpace dc.type vocabulary and COAR resource types → resourceTypeGeneral.
TYPE_ALIASES = {
    "article": "JournalArticle",
    "journal article": "JournalArticle",
    "book part": "BookChapter",
    "chapter": "BookChapter",
    "conference object": "ConferencePaper",
    "thesis": "Dissertation",
    "doctoral thesis": "Dissertation",
    "technical report": "Report",
    "video": "Audiovisual",
    "animation": "Audiovisual",
    "data set": "Dataset",
    "trained model": "Model",
    "c_ddb1": "Dataset",
    "c_5ce6": "Software",
    "c_6501": "JournalArticle",
    "c_18cf": "Text",
    "c_93fc": "Report",
    "c_816b": "Preprint",
    "c_c94f": "ConferencePaper",
}
CONTRIBUTOR_TYPES = (  # noqa: SIM905 - a word list reads better than a column of strings
    "ContactPerson DataCollector DataCurator DataManager Distributor Editor HostingInstitution Other "
    "Producer ProjectLeader ProjectManager ProjectMember RegistrationAgency RegistrationAuthority "
    "RelatedPerson ResearchGroup RightsHolder Researcher Sponsor Supervisor Translator WorkPackageLeader"
).split()
CONTRIBUTOR_ALIASES = {"advisor": "Supervisor", "editor": "Editor", "other": "Other", "illustrator": "Other"}
DATE_TYPES = (  # noqa: SIM905 - a word list reads better than a column of strings
    "Accepted Available Collected Copyrighted Coverage Created Issued Other Submitted Updated Valid"
).split()
DATE_ALIASES = {"accessioned": "Accepted", "copyright": "Copyrighted", "embargoend": "Available"}
RELATION_TYPES = (  # noqa: SIM905 - a word list reads better than a column of strings
    "IsCitedBy Cites IsSupplementTo IsSupplementedBy IsContinuedBy Continues IsNewVersionOf "
    "IsPreviousVersionOf IsPartOf HasPart IsPublishedIn IsReferencedBy References IsDocumentedBy "
    "Documents IsCompiledBy Compiles IsVariantFormOf IsOriginalFormOf IsIdenticalTo HasMetadata "
    "IsMetadataFor Reviews IsReviewedBy IsDerivedFrom IsSourceOf Describes IsDescribedBy HasVersion "
    "IsVersionOf Requires IsRequiredBy Obsoletes IsObsoletedBy Collects IsCollectedBy HasTranslation "
    "IsTranslationOf"
).split()
# Dublin Core refinements of dc.relation that have another name in DataCite (DataCite→DC mapping 4.4).
RELATION_ALIASES = {
    "isformatof": "IsVariantFormOf",
    "hasformat": "IsOriginalFormOf",
    "isreplacedby": "IsObsoletedBy",
    "replaces": "Obsoletes",
    "isbasedon": "IsDerivedFrom",
}
DESCRIPTION_TYPES = {
    "abstract": "Abstract",
    "methods": "Methods",
    "seriesinformation": "SeriesInformation",
    "tableofcontents": "TableOfContents",
    "technicalinfo": "TechnicalInfo",
    "other": "Other",
    "": "Other",
}
SUBJECT_SCHEMES = {"lcsh": "LCSH", "ddc": "DDC", "mesh": "MeSH", "fos": "Fields of Science and Technology"}
ALTERNATE_TYPES = {
    "other": "Other",
    "uri": "URL",
    "isbn": "ISBN",
    "issn": "ISSN",
    "pmid": "PMID",
    "urn": "URN",
    "handle": "Handle",
}


def folded(options: list[str]) -> dict[str, str]:
    return {o.casefold(): o for o in options}


RESOURCE = folded(RESOURCE_TYPES)
CONTRIBUTOR = folded(CONTRIBUTOR_TYPES)
DATE = folded(DATE_TYPES)
RELATION = folded(RELATION_TYPES)
