"""Code tables for synthetic charts: ICD-10-CA + SNOMED CT problems, allergies, DIN drugs,
LOINC laboratory tests in SI units, imaging studies with French report texts.

The DINs are 8-digit examples in the Health Canada format, for demonstration only.
"""

from __future__ import annotations

ICD10CA = "https://fhir.infoway-inforoute.ca/CodeSystem/icd10ca"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"

# (ICD-10-CA, SNOMED CT, French text, lab test keys that follow the problem)
CONDITIONS = (
    ("E11.9", "44054006", "Diabète sucré de type 2", ("hba1c", "glucose", "creatinine")),
    ("I10", "38341003", "Hypertension artérielle essentielle", ("creatinine", "potassium")),
    ("E78.5", "55822004", "Hyperlipidémie", ("ldl", "hdl", "cholesterol")),
    ("J45.9", "195967001", "Asthme", ()),
    ("F41.1", "21897009", "Trouble d'anxiété généralisée", ()),
    ("M54.5", "279039007", "Lombalgie", ()),
    ("K21.9", "235595009", "Reflux gastro-œsophagien", ()),
    ("E03.9", "40930008", "Hypothyroïdie", ("tsh",)),
    ("I48.9", "49436004", "Fibrillation auriculaire", ("hemoglobin", "creatinine")),
    ("N18.3", "433144002", "Insuffisance rénale chronique, stade 3", ("creatinine", "potassium")),
    ("G43.9", "37796009", "Migraine", ()),
    ("J44.9", "13645005", "Maladie pulmonaire obstructive chronique", ()),
)

# (SNOMED substance, French text, criticality, reaction SNOMED, reaction French)
ALLERGIES = (
    ("373270004", "Pénicilline", "high", "39579001", "Anaphylaxie"),
    ("256349002", "Arachides", "high", "39579001", "Anaphylaxie"),
    ("387406002", "Sulfamides", "low", "126485001", "Urticaire"),
    ("111088007", "Latex", "low", "40275004", "Dermatite de contact"),
    ("387494007", "Codéine", "low", "422587007", "Nausées"),
    ("387458008", "Acide acétylsalicylique", "low", "126485001", "Urticaire"),
)

# (DIN, French text, dosage instruction, condition ICD-10-CA it treats or None)
DRUGS = (
    ("02099233", "Metformine 500 mg comprimé", "1 comprimé 2 fois par jour aux repas", "E11.9"),
    ("02242974", "Ramipril 5 mg capsule", "1 capsule une fois par jour", "I10"),
    ("02230713", "Atorvastatine 20 mg comprimé", "1 comprimé au coucher", "E78.5"),
    ("02241497", "Salbutamol 100 mcg inhalateur", "2 inhalations au besoin", "J45.9"),
    ("02244521", "Escitalopram 10 mg comprimé", "1 comprimé le matin", "F41.1"),
    ("02229453", "Pantoprazole 40 mg comprimé", "1 comprimé avant le déjeuner", "K21.9"),
    ("02172100", "Lévothyroxine 100 mcg comprimé", "1 comprimé à jeun le matin", "E03.9"),
    ("02357658", "Apixaban 5 mg comprimé", "1 comprimé 2 fois par jour", "I48.9"),
    ("02245432", "Furosémide 20 mg comprimé", "1 comprimé le matin", "N18.3"),
    ("02239367", "Sumatriptan 50 mg comprimé", "1 comprimé au début de la crise", "G43.9"),
    ("02245669", "Tiotropium 18 mcg capsule pour inhalation", "1 inhalation par jour", "J44.9"),
)
# Over-the-counter products that a patient reports taking (MedicationStatement).
OTC = (
    ("00559407", "Acétaminophène 500 mg comprimé", "1 à 2 comprimés aux 6 heures au besoin"),
    ("02246007", "Vitamine D3 1000 UI comprimé", "1 comprimé par jour"),
    ("02230406", "Ibuprofène 200 mg comprimé", "1 comprimé aux 8 heures au besoin"),
)

# key: (LOINC, French text, UCUM code, unit shown, low, high, typical mean, spread)
LABS = {
    "glucose": ("14771-0", "Glucose à jeun", "mmol/L", "mmol/L", 4.0, 6.0, 5.4, 0.8),
    "hba1c": ("4548-4", "Hémoglobine glyquée (HbA1c)", "%", "%", 4.0, 6.0, 6.2, 1.0),
    "creatinine": ("14682-9", "Créatinine", "umol/L", "µmol/L", 50.0, 110.0, 85.0, 25.0),
    "ldl": ("39469-2", "Cholestérol LDL (calculé)", "mmol/L", "mmol/L", 0.0, 3.5, 2.8, 0.9),
    "hdl": ("14646-4", "Cholestérol HDL", "mmol/L", "mmol/L", 1.0, 3.0, 1.3, 0.3),
    "cholesterol": ("14647-2", "Cholestérol total", "mmol/L", "mmol/L", 0.0, 5.2, 4.9, 1.0),
    "potassium": ("2823-3", "Potassium", "mmol/L", "mmol/L", 3.5, 5.0, 4.3, 0.4),
    "sodium": ("2951-2", "Sodium", "mmol/L", "mmol/L", 135.0, 145.0, 140.0, 2.5),
    "hemoglobin": ("718-7", "Hémoglobine", "g/L", "g/L", 120.0, 160.0, 138.0, 12.0),
    "tsh": ("3016-3", "TSH", "m[IU]/L", "mUI/L", 0.35, 5.0, 2.1, 1.2),
}
ROUTINE_LABS = ("glucose", "creatinine", "sodium", "potassium", "hemoglobin", "cholesterol")

# (LOINC, French title, French report templates: findings, conclusion)
IMAGING = (
    ("36643-5", "Radiographie pulmonaire, 2 incidences",
     "Poumons bien aérés. Pas de condensation ni d'épanchement pleural. Silhouette cardiaque "
     "de taille normale.", "Radiographie pulmonaire dans les limites de la normale."),
    ("24558-9", "Échographie abdominale",
     "Foie de taille et d'échogénicité normales. Vésicule biliaire sans calcul. Reins sans "
     "hydronéphrose.", "Échographie abdominale sans particularité."),
    ("24627-2", "Tomodensitométrie thoracique",
     "Nodule pulmonaire de 4 mm au lobe supérieur droit, d'allure bénigne. Pas d'adénopathie "
     "médiastinale.", "Petit nodule non spécifique : contrôle suggéré dans 12 mois."),
    ("24606-6", "Mammographie de dépistage",
     "Seins de densité hétérogène. Aucune masse, distorsion ni microcalcification suspecte.",
     "BI-RADS 1 : examen négatif. Prochain dépistage dans 2 ans."),
    ("37637-6", "Radiographie du genou gauche",
     "Pincement modéré de l'interligne fémoro-tibial interne. Ostéophytes marginaux.",
     "Gonarthrose interne modérée."),
)

# Consultation-note templates (French), filled with the reason of the visit.
NOTE_REASONS = (
    "Suivi de maladie chronique", "Toux depuis deux semaines", "Renouvellement d'ordonnance",
    "Douleur lombaire", "Examen médical périodique", "Fatigue", "Suivi de tension artérielle",
    "Éruption cutanée", "Céphalées", "Suivi de résultats de laboratoire",
)
NOTE_PLANS = (
    "Poursuivre le traitement actuel. Revoir dans 3 mois avec bilan sanguin.",
    "Ajustement de la posologie. Rendez-vous de contrôle dans 6 semaines.",
    "Conseils d'hygiène de vie donnés. Aucun changement de médication.",
    "Demande d'imagerie. Le patient sera contacté pour les résultats.",
    "Référence en spécialité demandée. Retour au besoin.",
)
