"""The free texts of the fictional reports: plain French sentences without names, numbers that look like
identifiers, addresses or dates, drawn by the planner (app.demo.planner)."""

from __future__ import annotations

from app.demo.mix import _french_number

SERVICES = {
    "imagerie": [
        "Service d'imagerie médicale et urgences adultes",
        "Radiologie conventionnelle et scanner des urgences",
        "Imagerie de la femme, activité de dépistage",
        "Plateau d'imagerie en coupe, scanner et IRM",
        "Urgences adultes et pédiatriques, radiologie de garde",
    ],
    "aide-decision-clinique": [
        "Réanimation polyvalente et soins continus",
        "Urgences et unité d'hospitalisation de courte durée",
        "Consultations de cardiologie et de médecine interne",
        "Services de médecine et de chirurgie conventionnelle",
    ],
    "biologie-anatomopathologie": [
        "Laboratoire de biologie médicale, secteur de microbiologie",
        "Service d'anatomie et de cytologie pathologiques",
        "Laboratoire de biochimie et d'hématologie",
        "Plateau technique de biologie et équipe de validation",
    ],
    "documentation-clinique": [
        "Consultations externes de médecine et de chirurgie",
        "Services de médecine polyvalente et de gériatrie",
        "Secrétariats médicaux du pôle chirurgie",
        "Équipes soignantes des unités d'hospitalisation",
    ],
    "codage-pmsi-facturation": [
        "Département d'information médicale",
        "Bureau des entrées et service de facturation",
        "Département d'information médicale et contrôle de gestion",
    ],
    "pharmacie-medicament": [
        "Pharmacie à usage intérieur",
        "Pharmacie et unités de médecine gériatrique",
        "Pharmacie clinique et services de chirurgie",
    ],
    "planification-ressources": [
        "Direction des soins et cadres de santé",
        "Bloc opératoire et service d'anesthésie",
        "Gestion des lits et cellule d'ordonnancement",
        "Urgences adultes et direction des opérations",
    ],
    "relation-patient": [
        "Standard téléphonique et accueil des consultations",
        "Secrétariats de consultation et centre de rendez-vous",
        "Bureau des admissions",
    ],
    "telesurveillance-prevention": [
        "Cardiologie, suivi des patients insuffisants cardiaques",
        "Endocrinologie et éducation thérapeutique",
        "Pneumologie et suivi de la ventilation à domicile",
        "Court séjour gériatrique et équipe mobile de gériatrie",
    ],
    "logistique-achats": [
        "Direction des achats et de la logistique",
        "Blanchisserie et magasin central",
        "Service de brancardage et régulation des transports internes",
    ],
    "ressources-humaines": [
        "Direction des ressources humaines",
        "Direction des soins et service formation",
        "Cellule de remplacement et pool de suppléance",
    ],
    "medico-social": [
        "Unités de vie de l'établissement, équipes de nuit",
        "Unité protégée et équipe soignante de jour",
        "Équipe éducative et accompagnement des résidents",
        "Infirmerie et équipe d'aides-soignants",
    ],
}
# In a medico-social establishment, the same kinds of solution serve other teams.
MEDICO_SOCIAL_SERVICES = {
    "pharmacie-medicament": ["Infirmerie et circuit du médicament"],
    "planification-ressources": ["Direction et équipe d'encadrement de l'établissement"],
    "ressources-humaines": ["Direction et équipe d'encadrement de l'établissement",
                            "Équipe administrative et service du personnel"],
    "relation-patient": ["Secrétariat et accueil de l'établissement"],
    "logistique-achats": ["Services logistiques, cuisine et lingerie"],
    "documentation-clinique": ["Équipe soignante et infirmière coordinatrice", "Infirmerie et équipe d'aides-soignants"],
    "telesurveillance-prevention": ["Équipe soignante et infirmière coordinatrice"],
}

# (template, low, high): the number is scaled by the establishment's size.
VOLUMES = {
    "imagerie": [("Environ {n} examens analysés par mois", 600, 6000), ("{n} radiographies par semaine", 150, 2000),
                 ("Près de {n} examens par an", 5000, 60000)],
    "aide-decision-clinique": [("Environ {n} patients suivis par mois", 100, 3000),
                               ("{n} alertes par semaine", 5, 150), ("Environ {n} séjours par an", 1000, 30000)],
    "biologie-anatomopathologie": [("{n} lames numérisées par mois", 300, 5000),
                                   ("Environ {n} dossiers validés par jour", 200, 3000),
                                   ("{n} prélèvements par semaine", 500, 8000)],
    "documentation-clinique": [("Environ {n} comptes rendus par mois", 300, 8000),
                               ("{n} consultations par semaine", 50, 1500),
                               ("{n} lettres de liaison par mois", 200, 4000),
                               ("{n} transmissions dictées par jour", 20, 400)],
    "codage-pmsi-facturation": [("Environ {n} séjours codés par mois", 500, 12000),
                                ("{n} factures contrôlées par mois", 1000, 20000)],
    "pharmacie-medicament": [("{n} prescriptions analysées par jour", 50, 1500),
                             ("Environ {n} lignes de prescription par semaine", 500, 12000),
                             ("{n} références de médicaments suivies", 300, 3000)],
    "planification-ressources": [("{n} agents planifiés", 40, 2500), ("{n} interventions programmées par mois", 200, 2500),
                                 ("{n} lits suivis", 40, 1500), ("Environ {n} passages aux urgences par jour", 40, 350)],
    "relation-patient": [("Environ {n} appels par jour", 100, 3000),
                         ("{n} rendez-vous pris en ligne par mois", 500, 15000),
                         ("{n} préadmissions par mois", 200, 4000)],
    "telesurveillance-prevention": [("{n} patients télésurveillés", 20, 800),
                                    ("Environ {n} alertes traitées par mois", 20, 600)],
    "logistique-achats": [("{n} références suivies", 500, 8000), ("Environ {n} transports internes par jour", 50, 600),
                          ("{n} tonnes de linge par mois", 10, 200), ("Environ {n} commandes par mois", 200, 4000)],
    "ressources-humaines": [("{n} candidatures traitées par an", 200, 5000), ("{n} agents concernés", 100, 6000),
                            ("Environ {n} remplacements par mois", 10, 400)],
    "medico-social": [("{n} résidents suivis", 20, 150), ("{n} chambres équipées", 10, 120),
                      ("{n} projets personnalisés rédigés par an", 20, 150), ("{n} personnes accompagnées", 15, 120)],
}

DIFFICULTY_TEXTS = {
    "data_quality": [
        "Les données du dossier patient étaient incomplètes et ont dû être reprises avant le démarrage.",
        "La qualité des données saisies varie beaucoup d'un service à l'autre, ce qui a dégradé les premiers "
        "résultats.",
        "Il a fallu harmoniser les codages locaux avant de pouvoir exploiter les résultats.",
        "Les historiques étaient trop courts pour que les prévisions soient fiables la première année.",
        "Des informations essentielles étaient saisies en texte libre et n'étaient pas exploitables.",
    ],
    "integration": [
        "L'interfaçage avec le dossier patient a pris plus de temps que prévu.",
        "Les flux avec le PACS ont demandé plusieurs allers-retours entre l'éditeur et notre DSI.",
        "Le connecteur annoncé n'était pas compatible avec la version de notre logiciel métier.",
        "Les tests d'intégration ont dû être refaits après une mise à jour du système d'information.",
        "L'authentification unique n'a été disponible qu'après plusieurs mois.",
    ],
    "user_adoption": [
        "Une partie des équipes est restée sceptique pendant les premières semaines.",
        "L'outil a d'abord été perçu comme une contrainte supplémentaire par les soignants.",
        "Le renouvellement des équipes oblige à former régulièrement de nouveaux utilisateurs.",
        "Les équipes de nuit ont été moins accompagnées et utilisent moins l'outil.",
        "Certains praticiens ne consultent pas les résultats proposés par l'outil.",
    ],
    "performance": [
        "Le nombre de fausses alertes était élevé au démarrage et a lassé les équipes.",
        "Les résultats sont moins bons sur notre population que dans les études de l'éditeur.",
        "Les temps de réponse sont parfois trop longs aux heures de forte activité.",
        "Certains cas atypiques ne sont pas reconnus, ce qui impose une vigilance constante.",
        "Les résultats restent imparfaits dans les situations les plus complexes.",
    ],
    "vendor": [
        "Le support de l'éditeur est difficile à joindre et les délais de correction sont longs.",
        "Les interlocuteurs de l'éditeur ont changé plusieurs fois pendant le projet.",
        "Les évolutions promises lors de l'achat n'ont pas été livrées dans les délais.",
        "La documentation fournie par l'éditeur était insuffisante pour nos équipes techniques.",
    ],
    "cost": [
        "Le coût des licences a augmenté dès la deuxième année.",
        "Les coûts d'intégration n'étaient pas prévus dans le budget initial.",
        "Le modèle de facturation au volume rend le budget difficile à prévoir.",
        "Le financement de la phase pilote ne couvrait pas la généralisation.",
    ],
    "regulatory": [
        "L'analyse d'impact sur la protection des données a retardé le démarrage de plusieurs mois.",
        "Le statut de dispositif médical de l'outil n'était pas clair au moment de l'achat.",
        "La question de l'hébergement des données de santé a demandé une expertise juridique.",
        "Il a fallu clarifier la responsabilité en cas d'erreur de l'outil.",
    ],
    "workload": [
        "La vérification des résultats ajoute du travail aux équipes pendant la période de rodage.",
        "Le paramétrage initial a mobilisé les cadres pendant plusieurs semaines.",
        "Les doubles saisies pendant la transition ont pesé sur les équipes.",
        "La gestion des alertes représente une charge non prévue pour l'équipe de nuit.",
    ],
    "other": [
        "Le projet a été ralenti par d'autres chantiers prioritaires de l'établissement.",
        "Le renouvellement du parc informatique a décalé le déploiement.",
        "Le projet a été suspendu plusieurs semaines pendant une période de forte tension dans les services.",
    ],
}
NO_DIFFICULTY_TEXTS = [
    "Pas de difficulté majeure à signaler à ce stade.",
    "Quelques réglages au démarrage, sans difficulté notable ensuite.",
    "Le déploiement s'est déroulé sans difficulté particulière.",
]

SUCCESS_FACTORS = [
    "Un binôme associant un médecin et un cadre de santé a porté le projet du début à la fin.",
    "La direction a soutenu le projet et dégagé du temps pour les référents.",
    "Une phase pilote courte dans un service volontaire avant la généralisation.",
    "Des référents formés dans chaque équipe, disponibles pour leurs collègues.",
    "Des objectifs mesurables définis dès le départ et suivis chaque mois.",
    "Une implication précoce de la DSI et du délégué à la protection des données.",
    "Des sessions de formation courtes, répétées sur plusieurs semaines.",
    "Un paramétrage fait avec les utilisateurs plutôt que pour eux.",
    "Un comité de suivi mensuel réunissant les équipes, la DSI et l'éditeur.",
    "Un éditeur réactif, présent sur site lors de la mise en service.",
    "Le choix d'un premier cas d'usage simple, avec un bénéfice visible rapidement.",
    "La communication régulière des résultats aux équipes.",
    "Un retour d'expérience recueilli auprès d'un établissement déjà équipé.",
    "Un circuit clair pour signaler les erreurs et les faire corriger.",
    "L'intégration dans le dossier patient, sans application supplémentaire à ouvrir.",
    "Un accompagnement au changement prévu dès le budget du projet.",
    "La participation des équipes de nuit et de week-end à la phase de test.",
    "Un chef de projet dédié, à temps partiel mais clairement identifié.",
    "La possibilité de désactiver l'outil facilement en cas de doute.",
    "Une évaluation avant et après le déploiement, partagée avec les équipes.",
    "Des indicateurs de qualité suivis conjointement avec l'éditeur.",
    "Une infrastructure réseau remise à niveau avant le déploiement.",
    "Le soutien du groupement hospitalier de territoire pour mutualiser les coûts.",
    "La présence d'un médecin référent qui relit les cas difficiles.",
    "Un démarrage progressif, service par service.",
    "Des règles d'usage écrites et validées par la commission médicale.",
    "La simplicité de l'interface, comprise en quelques minutes.",
    "Une bonne articulation avec la démarche qualité de l'établissement.",
    "Un retour rapide de l'éditeur sur les demandes d'amélioration.",
    "La formation des nouveaux arrivants intégrée au parcours d'accueil.",
    "Un partage des tâches clairement défini entre l'outil et les professionnels.",
    "Un financement régional qui a permis de tester sans risque.",
    "Une analyse d'impact sur la protection des données menée très tôt.",
    "L'implication des représentants des usagers dans l'information des patients.",
    "Des données de bonne qualité dès le départ.",
    "La visite d'un site de référence avant de signer.",
    "Un budget prévu pour la maintenance et les évolutions.",
    "Des résultats affichés directement dans l'outil métier habituel.",
    "Une équipe projet resserrée et stable pendant toute la durée du déploiement.",
    "Une présentation claire des limites de l'outil dès la formation.",
]

ADVICE = [
    "Mieux vaut commencer par un service volontaire et un cas d'usage précis.",
    "Mesurez la situation avant le déploiement pour pouvoir comparer ensuite.",
    "Associez la DSI et le DPO dès le choix de la solution.",
    "Prévoyez du temps de formation, y compris pour les équipes de nuit.",
    "Demandez à l'éditeur des résultats obtenus sur une population comparable à la vôtre.",
    "Visitez un établissement déjà équipé avant de vous engager.",
    "Négociez une période d'essai avec des critères de réussite écrits.",
    "Vérifiez le coût total sur plusieurs années, pas seulement la première.",
    "Ne sous-estimez pas le temps d'intégration au système d'information.",
    "Désignez un référent dans chaque équipe utilisatrice.",
    "Gardez toujours un contrôle humain des résultats proposés.",
    "Informez les patients de l'usage de l'outil, simplement et clairement.",
    "Suivez quelques indicateurs simples chaque mois après la mise en service.",
    "Prévoyez un circuit de signalement des erreurs connu de tous.",
    "Impliquez les utilisateurs dans le paramétrage dès le départ.",
    "Vérifiez le statut réglementaire de l'outil avant l'achat.",
    "Clarifiez qui est responsable de la décision finale.",
    "Anticipez la généralisation dès la phase pilote, y compris son financement.",
    "Ne déployez pas l'outil pendant une période de forte tension dans les services.",
    "Demandez un engagement écrit sur les délais de support.",
    "Faites relire le contrat par le service juridique, notamment sur les données.",
    "Prévoyez une solution de repli si l'outil est indisponible.",
    "Il faut communiquer régulièrement les résultats aux équipes pour entretenir l'adhésion.",
    "Formez les nouveaux professionnels dès leur arrivée.",
    "Vérifiez la qualité de vos données avant de lancer le projet.",
    "Soyez réalistes sur le temps gagné annoncé par l'éditeur.",
    "Rapprochez-vous des autres établissements du territoire pour mutualiser l'achat.",
    "Fixez dès le départ les conditions d'arrêt du projet.",
    "Testez l'outil sur des cas difficiles et pas seulement sur des cas simples.",
    "Faites valider les règles d'usage par les instances médicales.",
    "Prévoyez un budget pour l'accompagnement au changement.",
    "Ne multipliez pas les outils : privilégiez l'intégration dans l'existant.",
    "Vérifiez l'hébergement des données et la certification de l'hébergeur.",
    "Demandez des mises à jour régulières du modèle et leur documentation.",
    "Écoutez les réticences des équipes : elles signalent souvent un vrai problème.",
    "Prenez le temps de comparer plusieurs solutions avant de choisir.",
    "Impliquez la qualité et la gestion des risques dès le début.",
    "Planifiez une évaluation à six mois avec les utilisateurs.",
    "Gardez une trace des décisions et des paramétrages effectués.",
    "N'attendez pas de l'outil qu'il corrige une organisation défaillante.",
]

STOP_REASON_TEXTS = {
    "no_benefit": [
        "Le temps gagné ne compensait pas le temps passé à vérifier les résultats.",
        "Aucun bénéfice mesurable n'a été constaté après six mois d'utilisation.",
        "Les équipes n'ont pas constaté d'amélioration par rapport à l'organisation précédente.",
        "Le gain attendu sur les délais ne s'est pas confirmé.",
        "Le service rendu était réel mais trop limité pour justifier la poursuite.",
    ],
    "performance": [
        "Le taux de fausses alertes est resté trop élevé malgré les réglages.",
        "Les résultats n'étaient pas assez fiables sur notre population.",
        "Des erreurs répétées ont fait perdre confiance aux utilisateurs.",
        "Les performances se sont dégradées après une mise à jour du modèle.",
        "L'outil ne reconnaissait pas correctement les cas les plus fréquents chez nous.",
    ],
    "cost": [
        "Le coût de la généralisation dépassait largement le budget disponible.",
        "Le renouvellement du contrat proposait un tarif trop élevé.",
        "Le coût par utilisateur n'était pas soutenable pour un établissement de notre taille.",
        "Le financement initial n'a pas été reconduit.",
        "Le rapport entre le coût et le bénéfice observé était défavorable.",
    ],
    "integration": [
        "L'intégration au dossier patient n'a jamais été finalisée.",
        "Les ressaisies imposées par l'absence d'interface étaient trop lourdes.",
        "Le changement de notre logiciel métier a rendu l'interface inutilisable.",
        "La DSI n'avait pas les ressources pour maintenir les interfaces.",
        "Les flux de données n'étaient pas assez stables pour un usage quotidien.",
    ],
    "users": [
        "Les équipes ont progressivement cessé d'utiliser l'outil.",
        "L'outil ne correspondait pas à la façon de travailler des équipes.",
        "Les utilisateurs jugeaient l'interface trop lourde pour un usage quotidien.",
        "Le manque d'adhésion des praticiens a conduit à l'arrêt.",
        "Les soignants ne faisaient pas confiance aux résultats proposés.",
    ],
    "vendor": [
        "L'éditeur a cessé de commercialiser la solution.",
        "L'éditeur a été racheté et le produit n'est plus maintenu.",
        "Le support de l'éditeur était trop peu disponible.",
        "L'éditeur n'a pas tenu ses engagements sur les évolutions.",
        "Le changement de modèle économique de l'éditeur a rendu la poursuite impossible.",
    ],
    "regulatory": [
        "Les garanties sur l'hébergement des données de santé étaient insuffisantes.",
        "L'analyse d'impact a conclu à des risques trop élevés pour nos patients.",
        "Le statut de dispositif médical de l'outil n'a pas pu être confirmé.",
        "Les exigences de transparence envers les patients n'étaient pas remplies.",
    ],
    "end_of_pilot": [
        "L'expérimentation était prévue pour six mois et n'a pas été prolongée.",
        "La phase pilote a pris fin comme prévu et la généralisation n'a pas été retenue.",
        "L'expérimentation financée par un appel à projets est arrivée à son terme.",
        "Le pilote a rempli son objectif d'évaluation, sans suite à ce stade.",
        "La fin du pilote a coïncidé avec un changement de priorités de l'établissement.",
    ],
    "other": [
        "Le projet a été arrêté lors de la réorganisation du service.",
        "L'établissement a choisi une autre solution intégrée à son nouveau dossier patient.",
        "Le projet a été mis en pause faute de chef de projet.",
    ],
}


def all_sentences() -> list[str]:
    """Every fixed sentence of the free texts (volumes with a sample number), for privacy checks."""
    texts = [s for lists in SERVICES.values() for s in lists]
    texts += [s for lists in MEDICO_SOCIAL_SERVICES.values() for s in lists]
    texts += [template.format(n=_french_number(high)) for lists in VOLUMES.values() for template, _, high in lists]
    texts += [s for lists in DIFFICULTY_TEXTS.values() for s in lists] + NO_DIFFICULTY_TEXTS
    texts += SUCCESS_FACTORS + ADVICE + [s for lists in STOP_REASON_TEXTS.values() for s in lists]
    return texts
