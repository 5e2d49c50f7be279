package io.spindle.web;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.spindle.raft.server.NotLeaderException;
import io.spindle.raft.server.RaftException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node's layers point one way (README, Architecture): {@code web} talks to the application, the
 * application declares the ports it needs and knows nothing of the infrastructure that implements
 * them, the domain depends on nothing, and the Raft server runtime knows nothing of the node.
 * Module-level directions are kept by the Maven enforcer in each module's pom.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.spindle");
  }

  @Test
  void theDomainDependsOnNothingButTheJdk() {
    noClasses()
        .that()
        .resideInAPackage("io.spindle.node.domain..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("java..", "io.spindle.node.domain..")
        .check(classes);
  }

  @Test
  void theApplicationDoesNotKnowTheInfrastructureOrRaft() {
    noClasses()
        .that()
        .resideInAPackage("io.spindle.node.application..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.spindle.node.infrastructure..",
            "io.spindle.raft..",
            "io.netty..",
            "jakarta.persistence..",
            "io.spindle.web..")
        .check(classes);
  }

  @Test
  void theRaftServerRuntimeKnowsNothingOfTheNode() {
    noClasses()
        .that()
        .resideInAPackage("io.spindle.raft..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.spindle.node..", "io.spindle.web..", "jakarta..")
        .check(classes);
  }

  /**
   * Web reaches the node through the application only: its services, {@code NodeFacade} (status,
   * limits, credentials) and {@code GlobalPings}; never the runtime, the store, the queue worker,
   * membership, the federation's classes, the log, the transport or Raft's own types — except the
   * driver's two exceptions, which the API maps to HTTP answers.
   */
  @Test
  void webTalksToTheApplicationOnly() {
    noClasses()
        .that()
        .resideInAPackage("io.spindle.web..")
        .should()
        .dependOnClassesThat(
            resideInAnyPackage("io.spindle.node.infrastructure..", "io.spindle.raft..")
                .and(not(belongToAnyOf(RaftException.class, NotLeaderException.class))))
        .check(classes);
  }

  @Test
  void theInfrastructureDoesNotReachIntoWeb() {
    noClasses()
        .that()
        .resideInAPackage("io.spindle.node..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.spindle.web..")
        .check(classes);
  }
}
